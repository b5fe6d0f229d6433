"""Two human decisions before any engagement: adjudication (by the configured roles), then the
engagement officer's decision; each once, never automatic."""

import threading

import pytest
from django.db import connection

from common.errors import DomainError
from common.roles import Role
from deployments.models import Alert, AlertStatus
from deployments.services.alerts import adjudicate_alert, decide_engagement
from deployments.services.frames import process_frame
from oversight.models import LedgerEntry
from tests.factories import UserFactory
from tests.watchlists import images


def refused(code, call):
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code, error.value.detail


@pytest.fixture
def alert(running, camera, operator):
    (pk,) = process_frame(
        deployment=running, camera=camera, sequence=1, image=images.astronaut_again(), by=operator
    ).alert_ids
    return Alert.objects.get(pk=pk)


def possible_match(alert, operator):
    return adjudicate_alert(
        alert=alert, by=operator, decision="possible_match", reason="Same scar, same jawline."
    )


def test_an_alert_is_not_engaged_before_it_is_adjudicated(alert, engagement_officer):
    refused(
        "alert_not_adjudicated",
        lambda: decide_engagement(
            alert=alert,
            by=engagement_officer,
            engage=True,
            outcome="true_alert_engaged",
            result="arrest",
        ),
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW and alert.engaged is None


def test_a_second_adjudication_is_refused(alert, operator):
    possible_match(alert, operator)
    refused(
        "alert_already_adjudicated",
        lambda: adjudicate_alert(alert=alert, by=operator, decision="no_match", reason="Changed."),
    )
    alert.refresh_from_db()
    assert alert.decision == "possible_match"
    assert LedgerEntry.objects.filter(action="alert.adjudicated").count() == 1


def test_adjudication_needs_a_decision_from_the_list_and_a_reason(alert, operator):
    refused(
        "invalid_input",
        lambda: adjudicate_alert(alert=alert, by=operator, decision="match", reason="Sure."),
    )
    refused(
        "reasons_required",
        lambda: adjudicate_alert(alert=alert, by=operator, decision="no_match", reason=""),
    )


def test_a_no_match_is_closed_without_engagement(alert, operator, engagement_officer):
    adjudicate_alert(alert=alert, by=operator, decision="no_match", reason="Different ears.")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    refused(
        "alert_closed_no_match",
        lambda: decide_engagement(
            alert=alert, by=engagement_officer, engage=False, outcome="false_alert_not_engaged"
        ),
    )


def test_the_engagement_officer_records_engagement_outcome_and_what_followed(
    alert, operator, engagement_officer
):
    possible_match(alert, operator)
    refused(
        "not_an_engagement_officer",
        lambda: decide_engagement(
            alert=alert, by=operator, engage=True, outcome="true_alert_engaged", result="arrest"
        ),
    )
    refused(
        "invalid_input",
        lambda: decide_engagement(
            alert=alert, by=engagement_officer, engage=True, outcome="false_alert_not_engaged"
        ),
    )
    refused(
        "invalid_input",
        lambda: decide_engagement(
            alert=alert, by=engagement_officer, engage=True, outcome="true_alert_engaged"
        ),
    )
    decided = decide_engagement(
        alert=alert,
        by=engagement_officer,
        engage=True,
        outcome="true_alert_engaged",
        result="arrest",
    )
    assert decided.status == AlertStatus.ENGAGEMENT_DECIDED
    assert (decided.engaged, decided.outcome, decided.result) == (
        True,
        "true_alert_engaged",
        "arrest",
    )
    refused(
        "engagement_already_decided",
        lambda: decide_engagement(
            alert=alert, by=engagement_officer, engage=False, outcome="false_alert_not_engaged"
        ),
    )
    event = LedgerEntry.objects.get(action="alert.engagement_decided")
    assert event.data["outcome"] == "true_alert_engaged"


def test_not_engaging_is_a_false_alert_not_engaged_with_nothing_following(
    alert, operator, engagement_officer
):
    possible_match(alert, operator)
    refused(
        "invalid_input",
        lambda: decide_engagement(
            alert=alert,
            by=engagement_officer,
            engage=False,
            outcome="false_alert_not_engaged",
            result="arrest",
        ),
    )
    decided = decide_engagement(
        alert=alert, by=engagement_officer, engage=False, outcome="false_alert_not_engaged"
    )
    assert decided.engaged is False and decided.result == ""


def test_other_needs_a_note(alert, operator, engagement_officer):
    possible_match(alert, operator)
    refused(
        "invalid_input",
        lambda: decide_engagement(
            alert=alert,
            by=engagement_officer,
            engage=True,
            outcome="false_alert_found_on_engagement",
            result="other",
        ),
    )


def test_only_an_operator_named_on_the_deployment_adjudicates_by_default(alert, engagement_officer):
    refused("not_an_adjudicator", lambda: possible_match(alert, engagement_officer))
    other = UserFactory(username="op2", roles=[Role.LFR_OPERATOR])
    refused("not_an_adjudicator", lambda: possible_match(alert, other))


def test_south_wales_variant_the_engagement_officer_adjudicates_then_decides(
    alert, operator, engagement_officer, settings
):
    settings.WA_ADJUDICATING_ROLES = ["engagement_officer"]
    refused("not_an_adjudicator", lambda: possible_match(alert, operator))
    adjudicated = possible_match(alert, engagement_officer)
    assert adjudicated.adjudicated_role == "engagement_officer"
    # Still two decisions: the engagement decision is its own act, after the adjudication.
    decided = decide_engagement(
        alert=alert,
        by=engagement_officer,
        engage=True,
        outcome="true_alert_engaged",
        result="words_of_advice",
    )
    assert decided.status == AlertStatus.ENGAGEMENT_DECIDED


def test_concurrent_adjudications_sequentially_only_the_first_counts(alert, operator):
    """The sequential stand-in for the race (SQLite has no row locks): the state is checked
    after the row lock, so the second call sees the first's decision."""
    first = possible_match(alert, operator)
    stale = Alert.objects.get(pk=alert.pk)
    stale.status = AlertStatus.NEW  # a caller holding the row as read before the first decision
    refused("alert_already_adjudicated", lambda: possible_match(stale, operator))
    assert Alert.objects.get(pk=alert.pk).adjudicated_at == first.adjudicated_at


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_operators_adjudicating_at_once_exactly_one_is_recorded(
    running, camera, operator, live
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # Append-only: earlier transactional tests' entries stay, so count from here.
    before = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    (pk,) = process_frame(
        deployment=running, camera=camera, sequence=1, image=images.astronaut_again(), by=operator
    ).alert_ids
    second = UserFactory(username="operator2", roles=[Role.LFR_OPERATOR])
    running.operators.add(second)
    barrier = threading.Barrier(2)
    outcomes = []

    def adjudicate(user, decision):
        from django.db import connections

        barrier.wait()
        try:
            adjudicate_alert(alert=Alert(pk=pk), by=user, decision=decision, reason="Seen.")
            outcomes.append("recorded")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=adjudicate, args=(operator, "possible_match")),
        threading.Thread(target=adjudicate, args=(second, "no_match")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["alert_already_adjudicated", "recorded"]
    adjudicated = LedgerEntry.objects.filter(seq__gt=before, action="alert.adjudicated")
    assert adjudicated.count() == 1
