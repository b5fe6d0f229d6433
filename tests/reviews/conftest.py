"""A deployment of Westminster's published shape, seeded as rows and ledger events directly
(never through the engine): 12,120 faces processed, a watchlist of 9,756, 11 alerts of which 1
false, 10 true (7 engaged, 3 possible matches not reached), 4 arrests; then completed, which
opens its review.

The watchlist is created through its service (its engine gallery is an empty record); its
eleven alerting entries, its signed-off version and their events are written here as the
watchlist services would write them, so the review's figures follow from both the rows and
the ledger."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

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
from reviews.models import Review
from tests.factories import UserFactory
from tests.watchlists.conftest import planned, watchlist_officer  # noqa: F401
from watchlists.models import WatchlistEntry, WatchlistStatus, WatchlistVersion

FACES = 12_120
WATCHLIST = 9_756
# Category counts of the signed-off list (they sum to WATCHLIST).
CATEGORY_COUNTS = {
    "wanted_by_courts": 5_100,
    "suspected_offence": 3_900,
    "bail_or_court_conditions": 700,
    "missing_at_increased_risk": 56,
}
# The eleven alerts: (category, adjudication, outcome, engaged, result).
PM, NM = AdjudicationDecision.POSSIBLE_MATCH, AdjudicationDecision.NO_MATCH
TRUE = EngagementOutcome.TRUE_ALERT_ENGAGED
ALERTS = [
    ("wanted_by_courts", PM, TRUE, True, EngagementResult.ARREST),
    ("wanted_by_courts", PM, TRUE, True, EngagementResult.ARREST),
    ("wanted_by_courts", PM, TRUE, True, EngagementResult.ARREST),
    ("suspected_offence", PM, TRUE, True, EngagementResult.ARREST),
    ("suspected_offence", PM, TRUE, True, EngagementResult.WORDS_OF_ADVICE),
    ("bail_or_court_conditions", PM, TRUE, True, EngagementResult.NO_FURTHER_ACTION),
    ("missing_at_increased_risk", PM, TRUE, True, EngagementResult.SAFEGUARDING),
    # Possible matches the engagement officers did not reach before the person left.
    ("wanted_by_courts", PM, "", None, ""),
    ("suspected_offence", PM, "", None, ""),
    ("suspected_offence", PM, "", None, ""),
    # The one false alert, adjudicated no match.
    ("wanted_by_courts", NM, "", None, ""),
]


@pytest.fixture
def silver(live):
    return live.silver_commander


@pytest.fixture
def engagement_officer(db):
    return UserFactory(username="eo", roles=[Role.ENGAGEMENT_OFFICER])


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", roles=[Role.REVIEWER], rank=40)


@pytest.fixture
def second_reviewer(db):
    return UserFactory(username="reviewer2", roles=[Role.REVIEWER], rank=50)


def _event(**kwargs):
    with transaction.atomic():
        return record_event(**kwargs)


def _entry(watchlist, by, n: int, category: str) -> WatchlistEntry:
    now = timezone.now()
    entry = WatchlistEntry.objects.create(
        watchlist=watchlist,
        added_in=watchlist.version,
        record_id=f"PNC-WM-{n:04d}",
        source_system="pnc",
        name=f"Restricted Person {n}",
        category=category,
        reason=f"Warrant WR-2022-{n:04d}",
        image_source_system="custody",
        legal_basis="PACE 1984 s.64A custody image",
        image_sha256=f"{n:064x}",
        still_sought_confirmed_by=by,
        still_sought_confirmed_at=now,
        created_by=by,
        created_at=now,
    )
    _event(
        actor=by,
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
    return entry


def sign_off_directly(watchlist, by, counts=CATEGORY_COUNTS) -> None:
    """The signed-off version and its event, as ``sign_off_watchlist`` records them."""
    now = timezone.now()
    version, _ = WatchlistVersion.objects.get_or_create(
        watchlist=watchlist,
        number=watchlist.version,
        defaults={"opened_at": now, "opened_by": by},
    )
    version.signed_off_at = now
    version.signed_off_by = by
    version.entry_count = sum(counts.values())
    version.category_counts = dict(counts)
    version.save()
    watchlist.status = WatchlistStatus.SIGNED_OFF
    watchlist.save(update_fields=["status"])
    _event(
        actor=by,
        action="watchlist.signed_off",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "version": version.number,
            "entry_count": version.entry_count,
            "category_counts": version.category_counts,
        },
    )


@dataclass
class Seeded:
    deployment: Deployment
    alerts: list[Alert]


def seed_alert(deployment, camera, entry, by, n, decision, outcome, engaged, result) -> Alert:
    now = timezone.now()
    alert = Alert.objects.create(
        deployment=deployment,
        camera=camera,
        entry=entry,
        score=0.71,
        probe_time=now,
        frame_sequence=n,
        created_at=now,
    )
    _event(
        actor=by,
        role=Role.LFR_OPERATOR,
        action="alert.raised",
        subject=alert,
        payload={"run_id": deployment.run_id, "entry_id": entry.pk, "frame_sequence": n},
    )
    alert.status = AlertStatus.CLOSED if decision == NM else AlertStatus.ADJUDICATED
    alert.decision = decision
    alert.decision_reason = "Compared with the reference image."
    alert.adjudicated_by = by
    alert.adjudicated_at = now
    alert.save()
    _event(
        actor=by,
        role=Role.LFR_OPERATOR,
        action="alert.adjudicated",
        subject=alert,
        payload={"run_id": deployment.run_id, "decision": decision},
    )
    if outcome:
        alert.status = AlertStatus.ENGAGEMENT_DECIDED
        alert.engaged = engaged
        alert.outcome = outcome
        alert.result = result
        alert.engagement_decided_by = by
        alert.engagement_decided_at = now
        alert.save()
        _event(
            actor=by,
            role=Role.ENGAGEMENT_OFFICER,
            action="alert.engagement_decided",
            subject=alert,
            payload={
                "run_id": deployment.run_id,
                "engaged": engaged,
                "outcome": outcome,
                "result": result,
            },
        )
    return alert


def count_faces(deployment, faces: int, frames: int = 3) -> None:
    """The row's counters and the run's events they follow from, as the frames service
    writes them: one search per frame, the new faces of each frame."""
    per_frame = [faces // frames] * frames
    per_frame[-1] += faces - sum(per_frame)
    for n, new in enumerate(per_frame):
        _event(
            actor=None,
            action="engine.search_run",
            subject=deployment,
            payload={"run_id": deployment.run_id, "frame": n},
        )
        _event(
            actor=None,
            action="deployment.faces_seen",
            subject=deployment,
            payload={"run_id": deployment.run_id, "frame_sequence": n, "new_faces_count": new},
        )
    Deployment.objects.filter(pk=deployment.pk).update(
        frames_processed=frames, faces_processed=faces
    )


@pytest.fixture
def westminster(live, planned, watchlist_officer, superintendent, silver, operator):  # noqa: F811
    """Running, then completed: the figures of Westminster, 28 January 2022."""
    eo = UserFactory(username="eo-wm", roles=[Role.ENGAGEMENT_OFFICER])
    entries = [_entry(planned, watchlist_officer, n, c) for n, (c, *_) in enumerate(ALERTS)]
    sign_off_directly(planned, superintendent)
    deployment = plan_deployment(
        watchlist=planned, by=silver, operators=[operator], engagement_officers=[eo]
    )
    deployment = start_deployment(deployment=deployment, by=silver)
    camera, _token = register_camera(deployment=deployment, by=operator, name="Oxford Circus 1")
    count_faces(deployment, FACES)
    alerts = [
        seed_alert(deployment, camera, entry, operator, n, *spec[1:])
        for n, (entry, spec) in enumerate(zip(entries, ALERTS, strict=True))
    ]
    Deployment.objects.filter(pk=deployment.pk).update(alerts_raised=len(alerts))
    deployment.refresh_from_db()
    return Seeded(deployment=deployment, alerts=alerts)


@pytest.fixture
def completed(westminster, silver):
    complete_deployment(deployment=westminster.deployment, by=silver)
    westminster.deployment.refresh_from_db()
    return westminster


@pytest.fixture
def review(completed):
    return Review.objects.get(deployment=completed.deployment)


@pytest.fixture
def deleted(completed, monkeypatch):
    """The watchlist's data deleted by its job once due (the clock moved past the delay)."""
    from watchlists.rules import deletion_delay
    from watchlists.services.deletion import delete_watchlist_data

    watchlist = completed.deployment.watchlist
    later = max(watchlist.deployment_end, timezone.now()) + deletion_delay() + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    delete_watchlist_data(watchlist=watchlist)
    return completed


NARRATIVE = {
    "system_performance": "The system ran for the whole window without a fault.",
    "safeguards": "Every alert was adjudicated by a trained operator before any engagement.",
    "equality": "No difference by group was seen in the alerts; numbers are small.",
    "lessons": "Place the engagement team nearer the camera line.",
    "deletion_attestation": "Non-matched faces were never stored; watchlist data deleted.",
}
