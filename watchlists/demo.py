"""The demo's live deployment: an LFR authority valid now, its watchlist composed, signed off
and searched, all through the real services, so ``make run`` shows an admitted search.

Every face comes from sample images inside packages the install already brings (README,
"Demo images"): the six people of insightface's ``data/images/t1.jpg`` (each cropped from the
photo), scikit-image's ``astronaut.png`` and insightface's ``Tom_Hanks_54745.png``. Never LFW,
never a download. One of the six faces scores under the watchlist's quality minimum and is
refused, as it would be in use. The demo's camera frame is ``t1.jpg`` itself, so the search
alerts on each of the five listed faces in it.
"""

import io
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from PIL import Image

from authority import builders
from authority.models import Application, LocationType, User
from biometric_engine.engine import engine_backend
from gate.inputs import load_image
from gate.minting import mint_scope
from gate.search import search_frame
from watchlists.errors import ImageRefused
from watchlists.models import Watchlist, WatchlistStatus
from watchlists.services.composition import add_entry, create_watchlist
from watchlists.services.entries import EntryDetails
from watchlists.services.sign_off import sign_off_watchlist

OPERATION = "Operation Osprey"
WATCHLIST = "Osprey: riverside festival, live deployment"


def sample_images() -> dict[str, Path]:
    """The package sample images the demo uses, by name."""
    import insightface
    import skimage

    return {
        "t1": Path(insightface.__file__).parent / "data" / "images" / "t1.jpg",
        "astronaut": Path(skimage.__file__).parent / "data" / "astronaut.png",
        "tom_hanks": Path(insightface.__file__).parent / "data" / "images" / "Tom_Hanks_54745.png",
    }


def group_crops(photo: bytes) -> list[bytes]:
    """Each face of the group photo as its own image: the face's box with a wide margin."""
    rgb = load_image(photo)
    image = Image.fromarray(rgb)
    crops = []
    for face in sorted(engine_backend().detect(rgb), key=lambda f: f.box[0]):
        x, y, w, h = face.box
        margin = int(max(w, h) * 0.8)
        box = (max(0, x - margin), max(0, y - margin), x + w + margin, y + h + margin)
        out = io.BytesIO()
        image.crop(box).save(out, format="PNG")
        crops.append(out.getvalue())
    return crops


def _live_authority(users: dict[str, User]) -> Application:
    now = timezone.now()
    return builders.build_authorised(
        applicant=users["applicant"],
        decider=users["superintendent"],
        chief=users["chief"],
        commanders={
            "gold_commander": users["superintendent2"],
            "silver_commander": users["silver"],
            "bronze_commander": users["engagement"],
        },
        operation_name=OPERATION,
        aim="Locate people wanted on warrant for violence at the riverside festival.",
        necessity="People wanted on warrant for violent offences are expected at the riverside "
        "festival this week; warrant enquiries at their addresses have failed.",
        start_at=now - timedelta(hours=1),
        end_at=now + timedelta(days=6),
        max_watchlist_size=20,
        locations=[
            {
                **builders.LOCATIONS[0],
                "name": "Riverside festival, main gate",
                "location_type": LocationType.SOUGHT_PERSONS_LIKELY,
                "justification": "Intelligence places the wanted people at the main gate.",
            }
        ],
        reasons="Necessary and proportionate: a bespoke list of people wanted on warrant.",
    )


def _details(n: int, category: str) -> EntryDetails:
    return EntryDetails(
        record_id=f"DEMO-PNC-{n:04d}",
        source_system="pnc",
        category=category,
        reason=f"Warrant DEMO/WR/{2026}/{n:04d} (demo record)",
        image_source_system="custody",
        legal_basis="PACE 1984 s.64A custody image (demo: package sample image)",
        most_recent_suitable=True,
        still_sought_confirmed=True,
        name=f"Demo person {n}",
    )


def seed(*, users: dict[str, User], stdout) -> None:
    """A live LFR authority with a signed-off watchlist, then one admitted demo search."""
    from biometric_engine.demo import load_demo_equitability_report
    from common.errors import InvalidInput

    try:
        load_demo_equitability_report()
    except InvalidInput as refused:
        # The demo's floor is measured at a 3-point tolerance (config/settings/local.py); a
        # stricter configured rule refuses it, and the engine would refuse every search.
        stdout.write(
            f"Demo watchlist: not seeded, the demo's equitability report is refused: {refused}"
        )
        return
    watchlist = Watchlist.objects.filter(name=WATCHLIST).first()
    if watchlist is None:
        application = _live_authority(users)
        now = timezone.now()
        watchlist = create_watchlist(
            application=application,
            by=users["watchlist"],
            name=WATCHLIST,
            deployment_start=now - timedelta(minutes=30),
            deployment_end=application.valid_until,
            location=application.decisions.in_force().first().authorised_locations.first(),
        )
        paths = sample_images()
        faces = group_crops(paths["t1"].read_bytes())
        faces += [paths["astronaut"].read_bytes(), paths["tom_hanks"].read_bytes()]
        categories = application.requested_categories or ["wanted_by_courts"]
        for n, image in enumerate(faces, start=1):
            try:
                add_entry(
                    watchlist=watchlist,
                    by=users["watchlist"],
                    details=_details(n, categories[n % len(categories)]),
                    image=image,
                    image_name=f"demo-{n}.png",
                )
            except ImageRefused as refused:
                # As in use: a face too poor to list is refused, and says why.
                stdout.write(f"Demo watchlist: image {n} refused ({refused.code}).")
        sign_off_watchlist(watchlist=watchlist, by=users["superintendent"])
        watchlist.refresh_from_db()
    if watchlist.status != WatchlistStatus.SIGNED_OFF:
        stdout.write(f"Demo watchlist: {watchlist.get_status_display().lower()}; no search run.")
        return
    matched = demo_search(watchlist, users["operator"])
    stdout.write(
        f"Demo watchlist: “{watchlist.name}”, {watchlist.entries.count()} people, signed off; "
        f"an admitted search of the demo frame alerted on {matched} faces."
    )


def demo_search(watchlist: Watchlist, operator: User) -> int:
    """Search the demo frame (the group photo) under the live authority; the alerts' count."""
    scope = mint_scope(application=watchlist.authority, by=operator, gallery=watchlist.gallery)
    result = search_frame(
        scope=scope,
        image=sample_images()["t1"].read_bytes(),
        gallery_id=watchlist.gallery_id,
        location_id=watchlist.location_id,
        by=operator,
        run_id="demo-seed",
    )
    return len({candidate.probe for candidate in result.candidates})
