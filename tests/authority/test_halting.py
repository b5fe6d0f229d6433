"""The Silver commander's halt: the engine stops at its next call, the authority stays live,
and only the commander named on it (or an authorising officer) may halt or resume."""

import json

import pytest

from authority import services
from authority.errors import AlreadyHalted, NotHalted, NotTheSilverCommander, ReasonsRequired
from authority.models import ApplicationStatus, Rank
from common.errors import WrongState
from common.roles import Role
from gate.minting import mint_scope
from oversight.models import LedgerEntry
from tests.authority.fixtures import draft_application, unchanged
from tests.factories import UserFactory, watchlist_gallery


@pytest.fixture
def silver(commanders):
    return commanders["silver_commander"]


def events(action: str) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(action=action).order_by("seq"))


def test_the_named_silver_commander_halts_and_resumes(authorised, silver):
    services.halt_authority(application=authorised, by=silver, reasons="Crowd surge.")
    authorised.refresh_from_db()
    assert authorised.status == ApplicationStatus.AUTHORISED  # still live
    assert authorised.halted_by == silver and authorised.halt_reasons == "Crowd surge."
    [halted] = events("application.halted")
    assert halted.role == "silver_commander" and halted.actor_id == silver.pk

    services.resume_authority(application=authorised, by=silver, reasons="Dispersed.")
    authorised.refresh_from_db()
    assert authorised.halted_at is None and authorised.halted_by is None
    [resumed] = events("application.resumed")
    assert json.loads(resumed.payload)["halted_at"]


def test_an_authorising_officer_may_halt_too(authorised, superintendent):
    services.halt_authority(application=authorised, by=superintendent, reasons="Stop now.")
    assert events("application.halted")[0].role == "authorising_officer"


def test_an_authorising_officer_who_did_not_decide_it_may_not_resume(
    authorised, silver, other_superintendent
):
    services.halt_authority(application=authorised, by=silver, reasons="Crowd surge.")
    authorised.refresh_from_db()
    with unchanged(authorised), pytest.raises(NotTheSilverCommander):
        services.resume_authority(application=authorised, by=other_superintendent, reasons="Go.")


def test_another_silver_commander_may_not_halt(authorised):
    stranger = UserFactory(
        username="other-silver", rank=Rank.CHIEF_INSPECTOR, roles=[Role.SILVER_COMMANDER]
    )
    with unchanged(authorised), pytest.raises(NotTheSilverCommander):
        services.halt_authority(application=authorised, by=stranger, reasons="Mine now.")


def test_a_halt_needs_reasons_and_a_live_authority(
    authorised, silver, applicant, superintendent, commanders
):
    with unchanged(authorised), pytest.raises(ReasonsRequired):
        services.halt_authority(application=authorised, by=silver, reasons="  ")
    submitted = draft_application(applicant, superintendent, commanders, operation_name="Op B")
    services.submit_application(application=submitted, by=applicant)
    with unchanged(submitted), pytest.raises(WrongState, match="submitted"):
        services.halt_authority(application=submitted, by=silver, reasons="Too early.")


def test_halting_twice_or_resuming_what_runs_is_refused(authorised, silver):
    with unchanged(authorised), pytest.raises(NotHalted):
        services.resume_authority(application=authorised, by=silver, reasons="Go.")
    services.halt_authority(application=authorised, by=silver, reasons="Stop.")
    authorised.refresh_from_db()
    with unchanged(authorised), pytest.raises(AlreadyHalted):
        services.halt_authority(application=authorised, by=silver, reasons="Stop again.")


def test_no_scope_is_minted_while_halted(authorised, silver, superintendent):
    operator = UserFactory(username="op", roles=[Role.LFR_OPERATOR])
    watchlist = watchlist_gallery(authorised, sealed=False)
    services.halt_authority(application=authorised, by=silver, reasons="Stop.")
    with pytest.raises(WrongState, match="halted"):
        mint_scope(application=authorised, by=operator, gallery=watchlist)


def test_halt_and_resume_through_the_api(api_client, authorised, silver, applicant):
    url = f"/api/v1/applications/{authorised.pk}"
    api_client.force_authenticate(applicant)
    refused = api_client.post(f"{url}/halt/", {"reasons": "Not mine."}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_the_silver_commander"

    api_client.force_authenticate(silver)
    halted = api_client.post(f"{url}/halt/", {"reasons": "Crowd surge."}, format="json")
    assert halted.status_code == 200 and halted.json()["halted_at"]
    again = api_client.post(f"{url}/halt/", {"reasons": "Again."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_halted"
    resumed = api_client.post(f"{url}/resume/", {"reasons": "Clear."}, format="json")
    assert resumed.status_code == 200 and resumed.json()["halted_at"] is None


def test_the_silver_commander_sees_the_halt_button_and_the_warning(client, authorised, silver):
    client.force_login(silver)
    page = client.get(f"/applications/{authorised.pk}/").content.decode()
    assert "Halt the engine" in page
    response = client.post(
        f"/applications/{authorised.pk}/halt/", {"reasons": "Crowd surge."}, follow=True
    )
    page = response.content.decode()
    assert "The engine is halted" in page and "Resume the engine" in page
