"""The review's figures come from the deployment's records and, recomputed, from its ledger
events alone, and the two agree (Westminster, 28 January 2022: 12,120 faces, a watchlist of
9,756, 11 alerts, 1 false, 7 engagements, 4 arrests: 0.0083 % per face, 9.1 % per alert)."""

import pytest
from django.db import transaction

from deployments.models import Alert, AlertStatus, Deployment
from oversight.ledger import record_event
from reviews import figures
from reviews.figures import rate

pytestmark = pytest.mark.django_db


def test_westminster_figures_from_the_records(westminster):
    f = figures.from_records(westminster.deployment)
    assert (f.faces_processed, f.watchlist_size, f.alerts) == (12_120, 9_756, 11)
    assert (f.true_alerts, f.false_alerts, f.engagements, f.arrests) == (10, 1, 7, 4)
    assert f.undecided_alerts == 0
    assert f.false_alert_rate_per_face_processed == "0.0083"
    assert f.false_alert_rate_per_alert == "9.1"
    assert f.outcomes == {
        "arrest": 4,
        "no_further_action": 1,
        "safeguarding": 1,
        "words_of_advice": 1,
    }


def test_westminster_figures_by_watchlist_category(westminster):
    by = {c.category: c for c in figures.from_records(westminster.deployment).by_category}
    courts = by["wanted_by_courts"]
    assert (courts.watchlist_entries, courts.alerts, courts.false_alerts) == (5_100, 5, 1)
    assert (courts.true_alerts, courts.engagements, courts.arrests) == (4, 3, 3)
    assert by["missing_at_increased_risk"].engagements == 1
    assert sum(c.watchlist_entries for c in by.values()) == 9_756
    assert sum(c.alerts for c in by.values()) == 11


def test_the_ledger_recomputation_agrees_with_the_records(westminster):
    records = figures.from_records(westminster.deployment)
    ledger = figures.from_ledger(westminster.deployment)
    assert ledger == records
    assert figures.disagreements(records, ledger) == []


def test_a_row_changed_without_its_event_is_named_as_a_disagreement(westminster):
    # An arrest typed into the row, with no engagement decision on the ledger.
    alert = westminster.alerts[7]
    Alert.objects.filter(pk=alert.pk).update(
        status=AlertStatus.ENGAGEMENT_DECIDED,
        engaged=True,
        outcome="true_alert_engaged",
        result="arrest",
    )
    Deployment.objects.filter(pk=westminster.deployment.pk).update(faces_processed=12_000)
    records = figures.from_records(westminster.deployment)
    ledger = figures.from_ledger(westminster.deployment)
    differ = figures.disagreements(records, ledger)
    assert {"faces_processed", "engagements", "arrests"} <= set(differ)
    assert "alerts" not in differ


def test_another_runs_events_do_not_count(westminster):
    with transaction.atomic():
        record_event(
            actor=None,
            action="deployment.faces_seen",
            subject=westminster.deployment,
            payload={"run_id": "lfr-deployment-other", "new_faces_count": 50},
        )
    assert figures.from_ledger(westminster.deployment).faces_processed == 12_120


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [
        (1, 12_120, "0.0083"),
        (1, 11, "9.1"),
        (10, 3_147_436, "0.00032"),
        (10, 2_077, "0.48"),
        (0, 5, "0"),
        (3, 0, ""),
        (1, 1, "100"),
    ],
)
def test_rates_to_two_significant_figures(n, d, expected):
    assert rate(n, d) == expected


def test_the_figures_round_trip_through_their_stored_form(westminster):
    f = figures.from_records(westminster.deployment)
    assert figures.DeploymentFigures.from_dict(f.as_dict()) == f
