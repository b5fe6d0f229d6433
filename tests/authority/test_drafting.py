import pytest

from authority import services
from authority.errors import ApplicationLocked
from authority.models import Application, ApplicationStatus, Mode
from common.errors import InvalidInput, NotPermitted
from common.roles import Role
from tests.authority.fixtures import unchanged
from tests.factories import UserFactory


def test_a_draft_gets_a_reference_and_belongs_to_its_applicant(draft, applicant):
    assert draft.reference.startswith("WA-") and draft.reference.endswith("-0001")
    assert draft.status == ApplicationStatus.DRAFT
    assert applicant.has_perm("authority.view_application", draft)
    assert draft.alternatives.count() == 2 and draft.locations.count() == 2


def test_only_an_applicant_officer_may_draft(db):
    operator = UserFactory(roles=[Role.LFR_OPERATOR])
    with pytest.raises(NotPermitted):
        services.create_application(by=operator, mode=Mode.LFR, operation_name="X")
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"requested_categories": ["anyone_of_interest"]}, "closed list"),
        ({"legal_bases": ["gut_feeling"]}, "closed list"),
        ({"legitimate_aim": "convenience"}, "Legitimate aim"),
        ({"requested_threshold": "1.5"}, "Match threshold"),
        ({"requested_threshold": "high"}, "threshold must be a number"),
        ({"mode": "covert"}, "Mode"),
        ({"colour": "blue"}, "cannot be set"),
    ],
)
def test_draft_fields_are_validated_against_closed_lists(draft, applicant, fields, message):
    with unchanged(draft), pytest.raises(InvalidInput, match=message):
        services.update_application(application=draft, by=applicant, **fields)


def test_location_type_must_come_from_the_closed_list(draft, applicant):
    with unchanged(draft), pytest.raises(InvalidInput, match="closed list"):
        services.set_locations(
            application=draft,
            by=applicant,
            locations=[{"name": "Anywhere", "location_type": "wherever", "justification": "x"}],
        )
    assert draft.locations.count() == 2


def test_someone_else_cannot_edit_a_draft(draft, superintendent):
    with unchanged(draft), pytest.raises(NotPermitted):
        services.update_application(application=draft, by=superintendent, aim="Other")


def test_a_submitted_application_cannot_be_edited(submitted, applicant):
    with unchanged(submitted):
        with pytest.raises(ApplicationLocked, match="return it for amendment"):
            services.update_application(application=submitted, by=applicant, max_watchlist_size=5)
        with pytest.raises(ApplicationLocked):
            services.set_locations(application=submitted, by=applicant, locations=[])


def test_drafting_is_kept_in_row_history(draft, applicant):
    services.update_application(application=draft, by=applicant, max_watchlist_size=30)
    record = draft.history.first()
    assert record.max_watchlist_size == 30
    assert record.history_user == applicant, "history names the officer, not 'system'"
    delta = record.diff_against(record.prev_record)
    assert [c.field for c in delta.changes] == ["max_watchlist_size"]


def test_an_assessment_needs_a_real_review_date(draft, applicant):
    with unchanged(draft), pytest.raises(InvalidInput, match="Review date must be a date"):
        services.set_assessments(
            application=draft,
            by=applicant,
            assessments=[
                {"kind": "dpia", "reference": "D", "version": "1", "review_date": "next year"}
            ],
        )
    assert draft.assessments.count() == 2
