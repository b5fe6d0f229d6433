"""The demo's reviewed and published deployment, so ``make run`` shows a filled public site.

Operation Kestrel: a short LFR authority at Oxford Circus, authorised through the real
services, its deployment planned, started and completed through them, with the published
shape of the Met's Westminster deployment of 28 January 2022 (12,120 faces processed, a
watchlist of 9,756, 11 alerts, 1 false, 7 engagements, 4 arrests). Those figures are demo
history, not the engine's: the watchlist's eleven alerting entries, its signed-off size and
the run's counts are seeded as rows and ledger events, exactly as the watchlist, frames and
alert services write them, so the review's figures follow from both. The authority's short
window is then waited out (as the demo applications' are), its watchlist data deleted by the
deletion service, the review written, submitted, approved by another officer and its results
published. Idempotent; needs nothing from outside the installed packages.
"""

import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from authority import builders, services
from authority.models import LIVE_STATUSES, Application, LocationType, User
from common.errors import DomainError
from common.roles import Role
from deployments.models import (
    AdjudicationDecision,
    Alert,
    AlertStatus,
    Deployment,
    EngagementOutcome,
    EngagementResult,
)
from deployments.services.cameras import register_camera
from deployments.services.lifecycle import complete_deployment, plan_deployment, start_deployment
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
from watchlists.models import Watchlist, WatchlistEntry, WatchlistStatus, WatchlistVersion
from watchlists.services.composition import create_watchlist
from watchlists.services.deletion import delete_watchlist_data

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


def _authority(users: dict[str, User]):
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
        end_at=now + timedelta(seconds=WINDOW_S),
        max_watchlist_size=10_000,
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


def _signed_off_watchlist(application, users) -> tuple[Watchlist, list[WatchlistEntry]]:
    """The list and its alerting entries as rows and events, signed off at its full size."""
    officer = users["watchlist"]
    watchlist = create_watchlist(
        application=application,
        by=officer,
        name=WATCHLIST,
        deployment_start=application.valid_from,
        deployment_end=application.valid_until,
        location=application.decisions.in_force().first().authorised_locations.first(),
    )
    now = timezone.now()
    entries = []
    for n, (category, *_rest) in enumerate(ALERTS, start=1):
        entry = WatchlistEntry.objects.create(
            watchlist=watchlist,
            added_in=watchlist.version,
            record_id=f"DEMO-KESTREL-{n:04d}",
            source_system="pnc",
            name=f"Kestrel demo person {n}",
            category=category,
            reason=f"Warrant DEMO/KESTREL/{n:04d} (demo record)",
            image_source_system="custody",
            legal_basis="PACE 1984 s.64A custody image (demo record)",
            image_sha256=f"{0xD3110 + n:064x}",
            still_sought_confirmed_by=officer,
            still_sought_confirmed_at=now,
            created_by=officer,
            created_at=now,
        )
        _event(
            actor=officer,
            action="watchlist.entry_added",
            subject=watchlist,
            payload={
                "watchlist_id": watchlist.pk,
                "entry_id": entry.pk,
                "version": watchlist.version,
                "category": category,
                "image_sha256": entry.image_sha256,
            },
        )
        entries.append(entry)
    _sign_off(watchlist, users, CATEGORY_COUNTS)
    return watchlist, entries


def _sign_off(watchlist: Watchlist, users, counts: dict[str, int]) -> None:
    """The signed-off version at ``counts`` and its event, as ``sign_off_watchlist`` writes."""
    now = timezone.now()
    signer = users["superintendent"]
    version, _ = WatchlistVersion.objects.get_or_create(
        watchlist=watchlist,
        number=watchlist.version,
        defaults={"opened_at": now, "opened_by": users["watchlist"]},
    )
    version.signed_off_at, version.signed_off_by = now, signer
    version.entry_count = sum(counts.values())
    version.category_counts = dict(counts)
    version.save()
    watchlist.status = WatchlistStatus.SIGNED_OFF
    watchlist.save(update_fields=["status"])
    _event(
        actor=signer,
        action="watchlist.signed_off",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "version": version.number,
            "entry_count": version.entry_count,
            "category_counts": version.category_counts,
        },
    )


def _run(deployment: Deployment, entries, users) -> None:
    """The run's counts and alerts, as the frames and alert services record them."""
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
    for n, (entry, (_c, decision, outcome, result)) in enumerate(zip(entries, ALERTS, strict=True)):
        alert = Alert.objects.create(
            deployment=deployment,
            camera=camera,
            entry=entry,
            score=0.7,
            probe_time=now,
            frame_sequence=n,
            created_at=now,
            status=AlertStatus.CLOSED if decision == NM else AlertStatus.ADJUDICATED,
            decision=decision,
            decision_reason="Compared with the reference image.",
            adjudicated_by=operator,
            adjudicated_role=Role.LFR_OPERATOR,
            adjudicated_at=now,
        )
        run = {"deployment_id": deployment.pk, "run_id": deployment.run_id}
        _event(
            actor=operator,
            role=Role.LFR_OPERATOR,
            action="alert.raised",
            subject=alert,
            payload={**run, "entry_id": entry.pk, "frame_sequence": n},
        )
        _event(
            actor=operator,
            role=Role.LFR_OPERATOR,
            action="alert.adjudicated",
            subject=alert,
            payload={**run, "decision": decision},
        )
        if outcome:
            Alert.objects.filter(pk=alert.pk).update(
                status=AlertStatus.ENGAGEMENT_DECIDED,
                engaged=True,
                outcome=outcome,
                result=result,
                engagement_decided_by=engagement,
                engagement_decided_at=now,
            )
            _event(
                actor=engagement,
                role=Role.ENGAGEMENT_OFFICER,
                action="alert.engagement_decided",
                subject=alert,
                payload={**run, "engaged": True, "outcome": outcome, "result": result},
            )
    Deployment.objects.filter(pk=deployment.pk).update(
        frames_processed=3, faces_processed=FACES, alerts_raised=len(ALERTS)
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
    """Plan Operation Heron's deployment (its list signed off as rows and events, at 18
    people) and announce it in advance; "" when the demo applications did not run."""
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
        _sign_off(watchlist, users, {"wanted_by_courts": 18})
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
