"""The demo's reviewed and published deployment, so ``make run`` shows a filled public site.

Operation Kestrel: a short LFR authority at Oxford Circus, authorised through the real
services, with the published shape of the Met's Westminster deployment of 28 January 2022
(12,120 faces processed, a watchlist of 9,756, 11 alerts, 1 false, 7 engagements, 4 arrests).
Through the real services: the authority, the watchlist's creation and its sign-off by the
authorising officer (``sign_off_watchlist``: size, categories, currency, templates checked,
the gallery sealed), the deployment's plan, start and completion, the camera, every
adjudication (``adjudicate_alert``) and engagement decision (``decide_engagement``), the data's
deletion, the review and the publication. Seeded as rows and ledger events, exactly as the
services write them, because they are demo history the engine never saw:

* the 9,756 watchlist entries, their enrolled faces and ``watchlist.entry_added`` events
  (``_seeded_entries`` says why: the real enrolment would take about 48 minutes);
* the run's counts (``deployment.faces_seen``, ``engine.search_run``, the deployment's
  counters) and its eleven ``Alert`` rows with ``alert.raised`` (no crowd passed a camera).

Operation Heron is planned and announced in advance through the services, its watchlist still
being composed (entries come within 24 hours of its start, and it starts once signed off).

The authority's short window is then waited out (as the demo applications' are). Idempotent;
needs nothing from outside the installed packages.
"""

import time
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from authority import builders, services
from authority.models import LIVE_STATUSES, Application, LocationType, User
from biometric_engine.models import EnrolledFace, Gallery
from common.errors import DomainError
from common.roles import Role
from deployments.models import (
    AdjudicationDecision,
    Alert,
    Deployment,
    EngagementOutcome,
    EngagementResult,
)
from deployments.services.alerts import adjudicate_alert, decide_engagement
from deployments.services.cameras import register_camera
from deployments.services.lifecycle import complete_deployment, plan_deployment, start_deployment
from gate.inputs import EMBEDDING_DIM
from oversight.ledger import record_event
from reviews.models import PublicationStatus, PublishedDeployment, Review, ReviewStatus
from reviews.services.publication import (
    announce_planned_deployment,
    publish_deployment_results,
)
from reviews.services.reviewing import (
    approve_review,
    open_review,
    submit_review,
    update_review_narrative,
)
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.services.composition import create_watchlist
from watchlists.services.deletion import delete_watchlist_data
from watchlists.services.sign_off import sign_off_watchlist

OPERATION = "Operation Kestrel"
WATCHLIST = "Kestrel: Oxford Circus, one day"
WINDOW_S = 12  # the authority's window: long enough to deploy in, short enough to wait out
FACES = 12_120
CATEGORY_COUNTS = {
    "wanted_by_courts": 5_100,
    "suspected_offence": 3_900,
    "bail_or_court_conditions": 700,
    "missing_at_increased_risk": 56,
}
PM, NM = AdjudicationDecision.POSSIBLE_MATCH, AdjudicationDecision.NO_MATCH
TRUE = EngagementOutcome.TRUE_ALERT_ENGAGED
R = EngagementResult
# (category, adjudication, outcome, result): 10 true (7 engaged, 3 not reached), 1 false.
ALERTS = [
    ("wanted_by_courts", PM, TRUE, R.ARREST),
    ("wanted_by_courts", PM, TRUE, R.ARREST),
    ("wanted_by_courts", PM, TRUE, R.ARREST),
    ("suspected_offence", PM, TRUE, R.ARREST),
    ("suspected_offence", PM, TRUE, R.WORDS_OF_ADVICE),
    ("bail_or_court_conditions", PM, TRUE, R.NO_FURTHER_ACTION),
    ("missing_at_increased_risk", PM, TRUE, R.SAFEGUARDING),
    ("wanted_by_courts", PM, "", ""),
    ("suspected_offence", PM, "", ""),
    ("suspected_offence", PM, "", ""),
    ("wanted_by_courts", NM, "", ""),
]
NARRATIVE = {
    "system_performance": "Two cameras ran for the whole window; no fault, no frame refused.",
    "safeguards": "Every alert was adjudicated by a trained operator before any engagement; "
    "signage was in place at each approach.",
    "equality": "The one false alert is too few to show anything by group; the threshold was "
    "at the model's equitable minimum or above.",
    "lessons": "Three true alerts were not reached in the crowd: place the engagement teams "
    "nearer the camera line.",
    "deletion_attestation": "Faces that matched no one were never stored. The watchlist's "
    "images and templates were deleted by the deletion job after the deployment.",
}


def _event(**kwargs) -> None:
    with transaction.atomic():
        record_event(**kwargs)


def _seconds_per_event(sample: int = 200) -> float:
    """This database's cost of one ledger append, timed on ``sample`` events rolled back."""
    started = time.perf_counter()
    with transaction.atomic():
        for n in range(sample):
            _event(actor=None, action="demo.timed", subject=("reviews.demo", n), payload={})
        transaction.set_rollback(True)
    return (time.perf_counter() - started) / sample


def _window_seconds() -> float:
    """The authority's window: the deployment fits in WINDOW_S once the list is seeded and
    signed off inside the window, which takes one ledger append per entry (a few seconds on
    SQLite, more on PostgreSQL or a loaded machine): so that time, thrice over, is added."""
    entries = sum(CATEGORY_COUNTS.values())
    return WINDOW_S + 3 * entries * _seconds_per_event()


def _authority(users: dict[str, User]):
    window = _window_seconds()
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
        aim="Locate people wanted by the courts and for violent offences in the West End.",
        start_at=now - timedelta(minutes=5),
        end_at=now + timedelta(seconds=window),
        max_watchlist_size=10_000,
        # The applicant's estimate, at which the authorising officer saw the false alerts
        # to expect; the review puts the 12,120 faces processed beside it.
        expected_footfall=12_000,
        requested_categories=list(CATEGORY_COUNTS),
        locations=[
            {
                **builders.LOCATIONS[0],
                "name": "Oxford Circus, north side",
                "borough": "Westminster",
                "location_type": LocationType.CRIME_HOTSPOT,
                "justification": "Robbery and violence hotspot on the approaches to the station.",
            }
        ],
    )


def _seeded_entries(
    watchlist: Watchlist, officer: User, counts: dict[str, int], first: list[str]
) -> list[WatchlistEntry]:
    """Seeded, not enrolled: the list's people as ``add_entry`` leaves them (the entry, its
    enrolled face and its ``watchlist.entry_added`` event) without reading a face; the
    categories sum to ``counts``, the entries of ``first`` (categories) in that order first.

    Why seeded: the real enrolment reads and embeds each face at 3.4 faces a second here
    (``benchmark_watchlist_import --count 40``: 11.9 s), so 9,756 would take about 48 minutes,
    and the installed packages hold only eight faces, so nearly every pair would be flagged as
    one person (40 rows gave 380 flags) for the officer to decide before sign-off. The
    template is a placeholder unit vector: this gallery is never searched, the run's alerts
    being demo history (``_run``)."""
    remaining = dict(counts)
    for category in first:
        remaining[category] -= 1
    categories = [*first, *(c for c, n in remaining.items() for _ in range(n))]
    now = timezone.now()
    with transaction.atomic():
        faces = EnrolledFace.objects.bulk_create(
            EnrolledFace(
                gallery_id=watchlist.gallery_id,
                subject_ref=f"DEMO-KESTREL-{n:05d}",
                template=_PLACEHOLDER_TEMPLATE,
                quality=0.9,
            )
            for n in range(1, len(categories) + 1)
        )
        Gallery.objects.filter(pk=watchlist.gallery_id).update(revision=F("revision") + len(faces))
        entries = WatchlistEntry.objects.bulk_create(
            WatchlistEntry(
                watchlist=watchlist,
                added_in=watchlist.version,
                record_id=face.subject_ref,
                source_system="pnc",
                name=f"Kestrel demo person {n}",
                category=category,
                reason=f"Warrant DEMO/KESTREL/{n:05d} (demo record)",
                image_source_system="custody",
                legal_basis="PACE 1984 s.64A custody image (demo record)",
                most_recent_suitable=True,
                quality=face.quality,
                image_sha256=f"{0xD3110 + n:064x}",
                still_sought_confirmed_by=officer,
                still_sought_confirmed_at=now,
                enrolled_face=face,
                created_by=officer,
                created_at=now,
            )
            for n, (face, category) in enumerate(zip(faces, categories, strict=True), start=1)
        )
        for entry in entries:
            record_event(
                actor=officer,
                action="watchlist.entry_added",
                subject=watchlist,
                payload={
                    "watchlist_id": watchlist.pk,
                    "entry_id": entry.pk,
                    "version": watchlist.version,
                    "category": entry.category,
                    "enrolment_id": entry.enrolled_face_id,
                    "quality": entry.quality,
                    "image_sha256": entry.image_sha256,
                    "under_18": False,
                    "flagged_with": [],
                },
            )
    return entries


# A float32 unit vector the engine's size (see _seeded_entries).
_PLACEHOLDER_TEMPLATE = np.eye(1, EMBEDDING_DIM, dtype=np.float32).tobytes()


def _signed_off_watchlist(application, users) -> tuple[Watchlist, list[WatchlistEntry]]:
    """The list created, its 9,756 people seeded and signed off by the authorising officer
    through ``sign_off_watchlist`` (every rule checked, the gallery sealed); the alerting
    entries returned in ``ALERTS`` order."""
    officer = users["watchlist"]
    watchlist = create_watchlist(
        application=application,
        by=officer,
        name=WATCHLIST,
        deployment_start=application.valid_from,
        deployment_end=application.valid_until,
        location=application.decisions.in_force().first().authorised_locations.first(),
    )
    entries = _seeded_entries(watchlist, officer, CATEGORY_COUNTS, [a[0] for a in ALERTS])
    sign_off_watchlist(watchlist=watchlist, by=users["superintendent"])
    watchlist.refresh_from_db()
    return watchlist, entries[: len(ALERTS)]


def _run(deployment: Deployment, entries, users) -> None:
    """The run: its counts and its eleven alerts raised are seeded, as the frames service
    records them (the engine saw no real crowd); every alert is then adjudicated and each
    engagement decided through the real services, by the officers named on the deployment."""
    operator, engagement = users["operator"], users["engagement"]
    camera, _token = register_camera(deployment=deployment, by=operator, name="Oxford Circus 1")
    for n, new in enumerate((4_040, 4_040, 4_040)):
        _event(
            actor=operator,
            role=Role.LFR_OPERATOR,
            action="engine.search_run",
            subject=deployment,
            payload={"run_id": deployment.run_id, "frame_sequence": n},
        )
        _event(
            actor=operator,
            role=Role.LFR_OPERATOR,
            action="deployment.faces_seen",
            subject=deployment,
            payload={"run_id": deployment.run_id, "frame_sequence": n, "new_faces_count": new},
        )
    now = timezone.now()
    alerts = []
    for n, entry in enumerate(entries):
        alert = Alert.objects.create(
            deployment=deployment,
            camera=camera,
            entry=entry,
            score=0.7,
            probe_time=now,
            frame_sequence=n,
            created_at=now,
        )
        _event(
            actor=operator,
            role=Role.LFR_OPERATOR,
            action="alert.raised",
            subject=alert,
            payload={
                "deployment_id": deployment.pk,
                "run_id": deployment.run_id,
                "camera_id": camera.pk,
                "entry_id": entry.pk,
                "score": alert.score,
                "frame_sequence": n,
            },
        )
        alerts.append(alert)
    Deployment.objects.filter(pk=deployment.pk).update(
        frames_processed=3, faces_processed=FACES, alerts_raised=len(ALERTS)
    )
    for alert, (_c, decision, outcome, result) in zip(alerts, ALERTS, strict=True):
        adjudicate_alert(
            alert=alert, by=operator, decision=decision, reason="Compared with the reference image."
        )
        if outcome:
            decide_engagement(
                alert=alert, by=engagement, engage=True, outcome=outcome, result=result
            )


def _deploy(users) -> Deployment:
    application = _authority(users)
    watchlist, entries = _signed_off_watchlist(application, users)
    deployment = plan_deployment(
        watchlist=watchlist,
        by=users["silver"],
        operators=[users["operator"]],
        engagement_officers=[users["engagement"]],
        name="Kestrel: Oxford Circus",
    )
    deployment = start_deployment(deployment=deployment, by=users["silver"])
    _run(deployment, entries, users)
    deployment = complete_deployment(deployment=deployment, by=users["silver"])
    # The window is waited out, so the authority expires and its list's data is due.
    time.sleep(max(0.0, (application.valid_until - timezone.now()).total_seconds() + 0.5))
    services.expire_authority(application_id=application.pk)
    delete_watchlist_data(watchlist=watchlist)
    return deployment


ANNOUNCED_OPERATION = "Operation Heron"  # authorised for later by authority.demo_applications
ANNOUNCED_WATCHLIST = "Heron: north gate, planned"


def _announce(users: dict[str, User]) -> str:
    """Plan Operation Heron's deployment (its list still being composed) and announce it in
    advance; "" when the demo applications did not run."""
    application = Application.objects.filter(
        operation_name=ANNOUNCED_OPERATION, status__in=LIVE_STATUSES
    ).first()
    if application is None:
        return ""
    deployment = Deployment.objects.filter(watchlist__name=ANNOUNCED_WATCHLIST).first()
    if deployment is None:
        watchlist = create_watchlist(
            application=application,
            by=users["watchlist"],
            name=ANNOUNCED_WATCHLIST,
            deployment_start=application.valid_from,
            deployment_end=application.valid_until,
            location=application.decisions.in_force().first().authorised_locations.first(),
        )
        # Planned and announced days ahead, its list still being composed: entries are added
        # within 24 hours of the start and signed off before it (the services' rules).
        deployment = plan_deployment(
            watchlist=watchlist,
            by=users["silver"],
            operators=[users["operator"]],
            engagement_officers=[users["engagement"]],
        )
    publication = PublishedDeployment.objects.filter(deployment=deployment).first()
    if publication is None:
        publication = announce_planned_deployment(
            deployment=deployment,
            by=users["publisher"],
            purpose="To find people wanted on recall to prison who are expected at the festival.",
        )
    return publication.reference


def seed(*, users: dict[str, User], stdout) -> None:
    """Deploy, review and publish Operation Kestrel, and announce Heron (once each)."""
    try:
        announced = _announce(users)
        if announced:
            stdout.write(f"Demo announcement: Operation Heron's deployment, as {announced}.")
    except DomainError as refused:
        stdout.write(f"Demo announcement: not made ({refused.code}): {refused.detail}")
    try:
        deployment = Deployment.objects.filter(watchlist__name=WATCHLIST).first()
        if deployment is None:
            deployment = _deploy(users)
        review = open_review(deployment=deployment)
        if review.status == ReviewStatus.OPEN:
            update_review_narrative(review=review, by=users["reviewer"], **NARRATIVE)
            review = submit_review(review=review, by=users["reviewer"])
        if review.status == ReviewStatus.SUBMITTED:
            review = approve_review(review=review, by=users["superintendent"])
        published = PublishedDeployment.objects.filter(
            deployment=deployment, status=PublicationStatus.PUBLISHED
        ).first()
        if published is None:
            published = publish_deployment_results(
                deployment=deployment,
                by=users["publisher"],
                purpose="To find people wanted by the courts or for violent offences around "
                "Oxford Circus.",
            )
    except DomainError as refused:
        stdout.write(f"Demo review: not completed ({refused.code}): {refused.detail}")
        return
    review = Review.objects.get(deployment=deployment)
    stdout.write(
        f"Demo review: {deployment.name} reviewed ({review.get_status_display().lower()}) and "
        f"published as {published.reference} at /transparency/."
    )
