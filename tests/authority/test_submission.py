from datetime import timedelta

import pytest
from django.utils import timezone

from authority import services
from authority.errors import (
    AssemblyAssessmentMissing,
    DeciderInChain,
    DpiaMissingOrExpired,
    IncompleteApplication,
    NotAnAuthorisingOfficer,
    RankTooLow,
)
from authority.models import ApplicationStatus, AssessmentKind, Mode
from common.errors import NotPermitted
from tests.authority.fixtures import draft_application, unchanged


def test_submitting_a_complete_application_hands_it_to_the_authorising_officer(
    draft, applicant, superintendent
):
    services.submit_application(application=draft, by=applicant)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED and draft.submitted_at
    assert superintendent.has_perm("authority.view_application", draft)
    assert superintendent.has_perm("authority.authorise_application", draft)


def test_an_application_with_empty_required_fields_cannot_be_submitted(draft, applicant):
    services.update_application(application=draft, by=applicant, necessity="", gold_commander=None)
    with unchanged(draft), pytest.raises(IncompleteApplication) as info:
        services.submit_application(application=draft, by=applicant)
    assert "necessity statement" in info.value.missing
    assert "Gold commander" in info.value.missing
    assert "necessity statement" in str(info.value)


def test_no_advance_notice_needs_a_reason_from_the_closed_list(draft, applicant):
    services.update_application(application=draft, by=applicant, advance_notice=False)
    with unchanged(draft), pytest.raises(IncompleteApplication, match="no advance notice"):
        services.submit_application(application=draft, by=applicant)


def test_missing_dpia_blocks_submission(applicant, superintendent, commanders):
    draft = draft_application(
        applicant,
        superintendent,
        commanders,
        assessments=[
            {
                "kind": AssessmentKind.EQUALITY,
                "reference": "EIA",
                "version": "1",
                "review_date": timezone.localdate() + timedelta(days=30),
            }
        ],
    )
    with unchanged(draft), pytest.raises(DpiaMissingOrExpired):
        services.submit_application(application=draft, by=applicant)


def test_expired_dpia_blocks_submission(applicant, superintendent, commanders):
    draft = draft_application(
        applicant,
        superintendent,
        commanders,
        assessments=[
            {
                "kind": AssessmentKind.DPIA,
                "reference": "DPIA",
                "version": "1",
                "review_date": timezone.localdate() + timedelta(days=1),
            }
        ],
    )
    # Current when entered (a passed date is refused there), it has passed by submission.
    draft.assessments.update(review_date=timezone.localdate() - timedelta(days=1))
    with unchanged(draft), pytest.raises(DpiaMissingOrExpired, match="review date"):
        services.submit_application(application=draft, by=applicant)


def test_protest_flag_needs_the_article_10_11_assessment(draft, applicant):
    services.update_application(application=draft, by=applicant, affects_assembly=True)
    with unchanged(draft), pytest.raises(AssemblyAssessmentMissing, match="Article 10/11"):
        services.submit_application(application=draft, by=applicant)
    services.update_application(
        application=draft,
        by=applicant,
        article_10_11_assessment="March route avoided; no LFR on it.",
    )
    services.submit_application(application=draft, by=applicant)


def test_an_inspector_cannot_receive_a_non_urgent_application(draft, applicant, inspector):
    services.update_application(application=draft, by=applicant, submitted_to=inspector)
    with unchanged(draft), pytest.raises(RankTooLow, match="Superintendent"):
        services.submit_application(application=draft, by=applicant)


def test_the_decider_must_hold_the_authorising_role(draft, applicant, chief):
    services.update_application(application=draft, by=applicant, submitted_to=chief)
    with unchanged(draft), pytest.raises(NotAnAuthorisingOfficer):
        services.submit_application(application=draft, by=applicant)


def test_the_decider_cannot_be_in_the_operations_command_chain(draft, applicant, commanders):
    services.update_application(
        application=draft, by=applicant, submitted_to=commanders["gold_commander"]
    )
    with unchanged(draft), pytest.raises(DeciderInChain):
        services.submit_application(application=draft, by=applicant)


def test_only_the_applicant_submits(draft, superintendent):
    with unchanged(draft), pytest.raises(NotPermitted):
        services.submit_application(application=draft, by=superintendent)


def test_rfr_application_needs_no_locations_or_watchlist(applicant, superintendent, commanders):
    draft = draft_application(
        applicant,
        superintendent,
        commanders,
        mode=Mode.RFR,
        requested_categories=[],
        max_watchlist_size=None,
        gold_commander=None,
        silver_commander=None,
        bronze_commander=None,
    )
    services.set_locations(application=draft, by=applicant, locations=[])
    services.submit_application(application=draft, by=applicant)


def test_copied_justification_is_flagged_to_the_authorising_officer(
    submitted, applicant, superintendent, commanders
):
    copy = draft_application(
        applicant, superintendent, commanders, operation_name="Operation Heron"
    )
    services.submit_application(application=copy, by=applicant)
    flags = {f.field: f for f in copy.similarity_flags.all()}
    assert set(flags) == {"necessity", "proportionality"}
    assert flags["necessity"].other_application == submitted
    assert flags["necessity"].similarity == 1


def test_distinct_justification_is_not_flagged(submitted, applicant, superintendent, commanders):
    other = draft_application(
        applicant,
        superintendent,
        commanders,
        operation_name="Operation Wren",
        necessity="A missing twelve-year-old at risk of exploitation was seen near the station "
        "twice this week; searches and appeals have not found her.",
        proportionality="One camera van for two hours, a watchlist of one child, and no "
        "retention of any other face.",
    )
    services.submit_application(application=other, by=applicant)
    assert other.similarity_flags.count() == 0
