import json
from datetime import timedelta

import pytest
from django.utils import timezone

from authority import services
from authority.errors import (
    NotUrgent,
    RankTooLow,
    SuperintendentAvailabilityReasonRequired,
    UrgentAuthorityLapsed,
)
from authority.models import ApplicationStatus, Rank
from authority.tasks import lapse_unratified_urgent_authorities
from common.roles import Role
from oversight.models import LedgerEntry
from tests.authority.fixtures import draft_application, unchanged
from tests.factories import UserFactory


@pytest.fixture
def urgent(applicant, inspector, commanders, chief):
    application = draft_application(
        applicant,
        inspector,
        commanders,
        is_urgent=True,
        urgency_reason="A missing child at risk was seen at the station an hour ago.",
    )
    services.submit_application(application=application, by=applicant)
    return application


@pytest.fixture
def urgently_authorised(urgent, inspector):
    services.urgently_authorise_application(
        application=urgent,
        by=inspector,
        reasons="Immediate risk to life.",
        superintendent_unavailable_reason="Duty Superintendent at a firearms incident.",
    )
    urgent.refresh_from_db()
    return urgent


def test_an_inspector_may_authorise_in_urgency_and_it_lapses_in_72_hours(urgently_authorised):
    app = urgently_authorised
    assert app.status == ApplicationStatus.URGENT_AUTHORISED
    decided = app.decisions.get().decided_at
    assert app.lapses_at == min(decided + timedelta(hours=72), app.valid_until)
    assert app.documents.get().reason == "urgently_authorised"


def test_urgent_authority_lapses_at_the_windows_end_if_sooner(urgently_authorised):
    # The window ends 2 days + 4 hours ahead; the lapse is the earlier of that and 72 hours.
    assert urgently_authorised.lapses_at <= urgently_authorised.valid_until


def test_urgency_needs_the_reason_a_superintendent_could_not_be_reached(urgent, inspector):
    with unchanged(urgent), pytest.raises(SuperintendentAvailabilityReasonRequired):
        services.urgently_authorise_application(
            application=urgent,
            by=inspector,
            reasons="Risk to life.",
            superintendent_unavailable_reason="",
        )


def test_a_non_urgent_application_has_no_urgent_path(consulted, superintendent):
    with unchanged(consulted), pytest.raises(NotUrgent):
        services.urgently_authorise_application(
            application=consulted,
            by=superintendent,
            reasons="Quick.",
            superintendent_unavailable_reason="n/a",
        )


def test_a_sergeant_cannot_authorise_even_in_urgency(urgent):
    from guardian.shortcuts import assign_perm

    sergeant = UserFactory(rank=Rank.SERGEANT, roles=[Role.AUTHORISING_OFFICER])
    assign_perm("authority.authorise_application", sergeant, urgent)
    with unchanged(urgent), pytest.raises(RankTooLow, match="Inspector or above"):
        services.urgently_authorise_application(
            application=urgent,
            by=sergeant,
            reasons="Go.",
            superintendent_unavailable_reason="None free.",
        )


def test_a_superintendent_ratifies_an_urgent_authority(urgently_authorised, superintendent, chief):
    services.consult_chief_officer(
        application=urgently_authorised,
        by=chief,
        outcome="noted",
        comments="Agreed after the event.",
    )
    services.ratify_urgent_authority(
        application=urgently_authorised,
        by=superintendent,
        reasons="The urgency was real and the scope right.",
    )
    urgently_authorised.refresh_from_db()
    assert urgently_authorised.status == ApplicationStatus.AUTHORISED
    assert urgently_authorised.lapses_at is None
    assert [d.version for d in urgently_authorised.documents.all()] == [1, 2]


def test_an_inspector_cannot_ratify(urgently_authorised, chief):
    other_inspector = UserFactory(rank=Rank.INSPECTOR, roles=[Role.AUTHORISING_OFFICER])
    with unchanged(urgently_authorised), pytest.raises(RankTooLow):
        services.ratify_urgent_authority(
            application=urgently_authorised, by=other_inspector, reasons="Ratified."
        )


def test_ratification_after_the_lapse_time_is_refused(
    urgently_authorised, superintendent, chief, monkeypatch
):
    later = urgently_authorised.lapses_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with unchanged(urgently_authorised), pytest.raises(UrgentAuthorityLapsed):
        services.ratify_urgent_authority(
            application=urgently_authorised, by=superintendent, reasons="Late."
        )


def test_the_scheduled_job_lapses_an_unratified_urgent_authority(urgently_authorised, monkeypatch):
    assert lapse_unratified_urgent_authorities.apply().get() == 0
    later = urgently_authorised.lapses_at + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert lapse_unratified_urgent_authorities.apply().get() == 1
    urgently_authorised.refresh_from_db()
    assert urgently_authorised.status == ApplicationStatus.LAPSED
    event = LedgerEntry.objects.get(action="application.lapsed")
    assert json.loads(event.payload)["compliance_exception"] == "urgent_authority_not_ratified"
    assert lapse_unratified_urgent_authorities.apply().get() == 0  # idempotent
