"""Planning and running a deployment: the Silver commander commands, from a signed-off list;
a halt is the deployment's own record and halts the engine under its authority."""

from datetime import timedelta

import pytest
from django.utils import timezone

from authority.services.halting import halt_authority, resume_authority
from common.errors import DomainError
from deployments.models import DeploymentStatus
from deployments.services.cameras import camera_for_token, register_camera
from deployments.services.lifecycle import (
    complete_deployment,
    halt_deployment,
    pause_deployment,
    plan_deployment,
    resume_deployment,
    start_deployment,
)
from oversight.models import LedgerEntry
from tests.factories import UserFactory
from watchlists.services.sign_off import sign_off_watchlist

S = DeploymentStatus


def refused(code, call):
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code, error.value.detail


def plan(watchlist, by, operator, engagement_officer):
    return plan_deployment(
        watchlist=watchlist, by=by, operators=[operator], engagement_officers=[engagement_officer]
    )


def test_a_deployment_planned_while_its_list_is_composed_starts_only_once_it_is_signed_off(
    planned, listed, silver, operator, engagement_officer, superintendent
):
    # Planned (and so announceable) days ahead; the list is composed within 24 h of the start.
    deployment = plan(planned, silver, operator, engagement_officer)
    assert deployment.status == S.PLANNED
    refused("watchlist_not_signed_off", lambda: start_deployment(deployment=deployment, by=silver))
    sign_off_watchlist(watchlist=planned, by=superintendent)
    assert start_deployment(deployment=deployment, by=silver).status == S.RUNNING


def test_the_plan_takes_the_watchlists_window_and_location_and_names_its_people(
    deployment, signed_off, silver, operator, engagement_officer
):
    assert deployment.status == S.PLANNED
    assert (deployment.planned_start, deployment.planned_end) == (
        signed_off.deployment_start,
        signed_off.deployment_end,
    )
    assert deployment.location_id == signed_off.location_id
    assert deployment.silver_commander == silver
    assert list(deployment.operators.all()) == [operator]
    assert list(deployment.engagement_officers.all()) == [engagement_officer]
    assert deployment.run_id.startswith("lfr-deployment-")
    event = LedgerEntry.objects.get(action="deployment.planned")
    assert event.data["run_id"] == deployment.run_id
    assert event.data["watchlist_id"] == signed_off.pk


def test_only_the_authoritys_silver_commander_plans(
    signed_off, watchlist_officer, operator, engagement_officer
):
    refused(
        "not_the_silver_commander",
        lambda: plan(signed_off, watchlist_officer, operator, engagement_officer),
    )


def test_a_watchlist_has_one_deployment(
    deployment, signed_off, silver, operator, engagement_officer
):
    refused(
        "deployment_already_planned", lambda: plan(signed_off, silver, operator, engagement_officer)
    )


def test_operators_and_engagement_officers_hold_their_roles(
    signed_off, silver, operator, engagement_officer
):
    with pytest.raises(DomainError) as error:
        plan(signed_off, silver, engagement_officer, engagement_officer)
    assert error.value.field == "operators"
    with pytest.raises(DomainError) as error:
        plan_deployment(
            watchlist=signed_off, by=silver, operators=[operator], engagement_officers=[]
        )
    assert error.value.field == "engagement_officers"


def test_start_pause_resume_complete_by_the_silver_commander_each_on_the_ledger(
    deployment, silver, operator
):
    refused(
        "not_the_silver_commander", lambda: start_deployment(deployment=deployment, by=operator)
    )
    start_deployment(deployment=deployment, by=silver)
    refused("deployment_not_running", lambda: start_deployment(deployment=deployment, by=silver))
    pause_deployment(deployment=deployment, by=silver)
    resume_deployment(deployment=deployment, by=silver)
    done = complete_deployment(deployment=deployment, by=silver)
    assert done.status == S.COMPLETED and done.ended_at is not None
    actions = list(
        LedgerEntry.objects.filter(action__startswith="deployment.").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "deployment.planned",
        "deployment.started",
        "deployment.paused",
        "deployment.resumed",
        "deployment.completed",
    ]
    assert LedgerEntry.objects.get(action="deployment.completed").data["faces_processed"] == 0


def test_no_start_outside_the_planned_window(deployment, silver, monkeypatch):
    moment = deployment.planned_end + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    refused("outside_deployment_window", lambda: start_deployment(deployment=deployment, by=silver))


def test_no_start_while_the_engine_is_halted_under_the_authority(deployment, silver, live):
    halt_authority(application=live, by=silver, reasons="Public order concern.")
    refused("wrong_state", lambda: start_deployment(deployment=deployment, by=silver))


def test_a_halt_needs_a_reason_and_halts_the_engine_under_the_authority(running, silver, operator):
    refused(
        "not_the_silver_commander",
        lambda: halt_deployment(deployment=running, by=operator, reason="Stop."),
    )
    refused("reasons_required", lambda: halt_deployment(deployment=running, by=silver, reason=" "))
    halted = halt_deployment(deployment=running, by=silver, reason="Crowd surge at the gate.")
    assert halted.status == S.HALTED and halted.halt_reason == "Crowd surge at the gate."
    assert halted.halted_by == silver and halted.ended_at is not None
    halted.authority.refresh_from_db()
    assert halted.authority.halted_at is not None
    event = LedgerEntry.objects.get(action="deployment.halted")
    assert event.data["authority_halted"] is True
    assert LedgerEntry.objects.filter(action="application.halted").count() == 1
    refused(
        "deployment_not_running", lambda: halt_deployment(deployment=running, by=silver, reason="x")
    )


def test_a_planned_deployment_can_be_halted_and_an_already_halted_engine_is_not_halted_twice(
    deployment, silver, live
):
    halt_authority(application=live, by=silver, reasons="Public order concern.")
    halted = halt_deployment(deployment=deployment, by=silver, reason="Called off.")
    assert halted.status == S.HALTED
    assert LedgerEntry.objects.get(action="deployment.halted").data["authority_halted"] is False


def test_resuming_the_authority_does_not_restart_a_halted_deployment(running, silver, live):
    halt_deployment(deployment=running, by=silver, reason="Crowd surge at the gate.")
    live.refresh_from_db()
    resume_authority(application=live, by=silver, reasons="Crowd dispersed.")
    running.refresh_from_db()
    assert running.status == S.HALTED
    refused("deployment_not_running", lambda: resume_deployment(deployment=running, by=silver))


def test_a_camera_is_registered_by_an_operator_on_it_with_a_token_shown_once(running, operator):
    camera, token = register_camera(deployment=running, by=operator, name="North entrance")
    assert camera.token_sha256 != token and len(token) >= 40
    assert camera_for_token(deployment=running, token=token) == camera
    refused("unknown_camera", lambda: camera_for_token(deployment=running, token="guess"))
    stranger = UserFactory(username="stranger")
    refused(
        "not_on_the_deployment",
        lambda: register_camera(deployment=running, by=stranger, name="Other"),
    )
    event = LedgerEntry.objects.get(action="deployment.camera_registered")
    assert token not in event.payload
