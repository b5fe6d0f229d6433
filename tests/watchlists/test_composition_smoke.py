"""The path a watchlist takes: composed, a face enrolled through the gate, signed off, searched."""

import pytest

from biometric_engine.models import EnrolledFace
from gate.minting import mint_scope
from gate.search import search_frame
from tests.watchlists import images
from tests.watchlists.conftest import details
from watchlists.models import WatchlistEntry, WatchlistStatus
from watchlists.services.composition import add_entry
from watchlists.services.sign_off import sign_off_watchlist


def test_a_composed_and_signed_off_watchlist_is_searched(
    planned, watchlist_officer, superintendent, operator, live
):
    entry = add_entry(
        watchlist=planned,
        by=watchlist_officer,
        details=details("PNC-ASTRO"),
        image=images.astronaut(),
        image_name="astronaut.png",
    )
    assert entry.enrolled_face_id and entry.quality > 0
    assert entry.image.storage.exists(entry.image.name)
    version = sign_off_watchlist(watchlist=planned, by=superintendent)
    planned.refresh_from_db()
    assert planned.status == WatchlistStatus.SIGNED_OFF and version.entry_count == 1
    scope = mint_scope(application=live, by=operator, gallery=planned.gallery)
    result = search_frame(
        scope=scope,
        image=images.astronaut_again(),
        gallery_id=planned.gallery_id,
        location_id=planned.location_id,
        by=operator,
        run_id="smoke",
    )
    assert [c.id for c in result.candidates] == [entry.enrolled_face_id]
    assert WatchlistEntry.objects.count() == EnrolledFace.objects.count() == 1


@pytest.mark.parametrize("image", [images.group_photo, images.not_a_face])
def test_an_image_without_exactly_one_face_is_refused(planned, watchlist_officer, image):
    from watchlists.errors import ImageRefused

    with pytest.raises(ImageRefused) as refused:
        add_entry(watchlist=planned, by=watchlist_officer, details=details(), image=image())
    assert refused.value.code in {"several_faces", "no_face_found"}
    assert not WatchlistEntry.objects.exists() and not EnrolledFace.objects.exists()
