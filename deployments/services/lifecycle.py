"""Planning a deployment and running it: PLANNED → RUNNING ⇄ PAUSED → COMPLETED, or HALTED.

The Silver commander named on the authority commands (DOMAIN: command roles): they plan the
deployment from its signed-off watchlist, naming its operators and engagement officers, start,
pause, resume and complete it, and may halt it at any time with a reason. Operators run the
cameras (``cameras``, ``frames``); the watchlist officer composes the list, nothing more.

A halt is the deployment's own record and also halts the engine under its authority
(``authority.services.halting.halt_authority``) in the same transaction: the gate re-checks the
authority under its row lock at every call, so the next frame of this deployment, a frame
already past the deployment's own checks, and any other engine use under the authority are all
refused by the gate itself, and a call in flight is waited for. A check of the deployment's
status alone would be a caller's check that a frame in flight had already passed.
"""

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from authority.models import LIVE_STATUSES, Application, Mode, User
from authority.policies import halting_role
from authority.selectors import scope_decision
from authority.services._guards import lock_application, require_reasons
from authority.services.halting import halt_authority
from common.errors import InvalidInput, WrongState
from common.roles import Role
from deployments.ended import deployment_ended
from deployments.errors import (
    AlreadyPlanned,
    DeploymentNotRunning,
    NotTheSilverCommander,
    OutsideDeploymentWindow,
    WatchlistNotSignedOff,
)
from deployments.models import Deployment, DeploymentStatus
from deployments.services._common import lock_deployment, require_silver_commander
from deployments.tracking import forget_tracks
from oversight.ledger import record_event
from watchlists.models import Watchlist, WatchlistStatus
from watchlists.services.deletion import record_deployment_ended

S = DeploymentStatus


def _require_live(application: Application, action: str) -> None:
    if application.mode != Mode.LFR:
        raise WrongState("Only a live facial recognition authority has deployments.")
    if application.status not in LIVE_STATUSES:
        raise WrongState(
            f"Cannot {action}: the authority is {application.get_status_display().lower()}."
        )
    if application.halted_at is not None:
        raise WrongState(f"Cannot {action}: the engine is halted under this authority.")


def _require_window(deployment: Deployment, now, action: str) -> None:
    if not (deployment.planned_start <= now < deployment.planned_end):
        raise OutsideDeploymentWindow(
            f"Cannot {action} outside the planned window "
            f"({deployment.planned_start:%d %b %Y %H:%M} to "
            f"{deployment.planned_end:%d %b %Y %H:%M} UTC)."
        )


def _people(users: Iterable[User], role: Role, field: str) -> list[User]:
    people = list({user.pk: user for user in users}.values())
    if not people:
        raise InvalidInput(f"Name at least one {role.label.lower()}.", field=field)
    for user in people:
        if not (user.is_active and user.has_role(role)):
            raise InvalidInput(f"{user.username} does not hold the {role.label} role.", field=field)
    return people


@transaction.atomic
def plan_deployment(
    *,
    watchlist: Watchlist,
    by: User,
    operators: Iterable[User],
    engagement_officers: Iterable[User],
    name: str = "",
) -> Deployment:
    """The Silver commander plans the deployment of a watchlist: its window and location are
    the watchlist's, its operators and engagement officers named now. The list may still be
    being composed (its entries are added within 24 hours of the start, after the deployment
    is planned and announced); the deployment starts only once it is signed off."""
    application = lock_application(watchlist.authority_id)
    watchlist = Watchlist.objects.select_for_update().get(pk=watchlist.pk)
    require_silver_commander(by, application, "plan a deployment")
    _require_live(application, "plan a deployment")
    if watchlist.status == WatchlistStatus.DATA_DELETED:
        raise WatchlistNotSignedOff(
            "The watchlist's images and templates have been deleted: it can run no deployment."
        )
    if Deployment.objects.filter(watchlist=watchlist).exists():
        raise AlreadyPlanned("This watchlist's deployment is already planned.")
    now = timezone.now()
    if watchlist.deployment_end <= now:
        raise OutsideDeploymentWindow("The watchlist's planned deployment has already ended.")
    decision = scope_decision(application)
    if (
        decision is None
        or not decision.authorised_locations.filter(pk=watchlist.location_id).exists()
    ):
        raise WrongState("The watchlist's location is not among the authorised locations.")
    operators = _people(operators, Role.LFR_OPERATOR, "operators")
    engagement = _people(engagement_officers, Role.ENGAGEMENT_OFFICER, "engagement_officers")
    name = (name or watchlist.name).strip()[:200]
    deployment = Deployment.objects.create(
        authority=application,
        watchlist=watchlist,
        location_id=watchlist.location_id,
        name=name,
        planned_start=watchlist.deployment_start,
        planned_end=watchlist.deployment_end,
        silver_commander=by,
        run_id=f"lfr-deployment-{uuid.uuid4().hex}",
        created_by=by,
        created_at=now,
    )
    deployment.operators.set(operators)
    deployment.engagement_officers.set(engagement)
    record_event(
        actor=by,
        role=Role.SILVER_COMMANDER,
        action="deployment.planned",
        subject=deployment,
        payload={
            "authority_id": application.pk,
            "watchlist_id": watchlist.pk,
            "watchlist_version": watchlist.version,
            "location_id": watchlist.location_id,
            "planned_start": deployment.planned_start,
            "planned_end": deployment.planned_end,
            "run_id": deployment.run_id,
            "operator_ids": sorted(u.pk for u in operators),
            "engagement_officer_ids": sorted(u.pk for u in engagement),
        },
    )
    return deployment


def _commanded(deployment: Deployment, by: User, action: str) -> Deployment:
    deployment = lock_deployment(deployment)
    require_silver_commander(by, deployment.authority, action)
    return deployment


def _move(deployment: Deployment, by: User, status: str, action: str, payload=None, **fields):
    deployment.status = status
    for name, value in fields.items():
        setattr(deployment, name, value)
    deployment.save(update_fields=["status", *fields])
    record_event(
        actor=by,
        role=Role.SILVER_COMMANDER,
        action=action,
        subject=deployment,
        payload={"run_id": deployment.run_id, **(payload or {})},
    )
    return deployment


def _require_status(deployment: Deployment, *allowed: str, action: str) -> None:
    if deployment.status not in allowed:
        raise DeploymentNotRunning(
            f"Cannot {action}: the deployment is {deployment.get_status_display().lower()}."
        )


@transaction.atomic
def start_deployment(*, deployment: Deployment, by: User) -> Deployment:
    """Start the cameras' searches, inside the planned window, under a live, unhalted
    authority, with the watchlist still as signed off."""
    deployment = _commanded(deployment, by, "start the deployment")
    _require_status(deployment, S.PLANNED, action="start")
    now = timezone.now()
    _require_window(deployment, now, "start the deployment")
    _require_live(deployment.authority, "start the deployment")
    if deployment.watchlist.status != WatchlistStatus.SIGNED_OFF:
        raise WatchlistNotSignedOff(
            "The deployment starts only once its watchlist is signed off by the authorising "
            "officer (a list changed after sign-off needs signing off again)."
        )
    return _move(
        deployment,
        by,
        S.RUNNING,
        "deployment.started",
        {"watchlist_version": deployment.watchlist.version},
        started_at=now,
    )


@transaction.atomic
def pause_deployment(*, deployment: Deployment, by: User) -> Deployment:
    deployment = _commanded(deployment, by, "pause the deployment")
    _require_status(deployment, S.RUNNING, action="pause")
    return _move(deployment, by, S.PAUSED, "deployment.paused", paused_at=timezone.now())


@transaction.atomic
def resume_deployment(*, deployment: Deployment, by: User) -> Deployment:
    deployment = _commanded(deployment, by, "resume the deployment")
    _require_status(deployment, S.PAUSED, action="resume")
    _require_window(deployment, timezone.now(), "resume the deployment")
    _require_live(deployment.authority, "resume the deployment")
    return _move(deployment, by, S.RUNNING, "deployment.resumed", paused_at=None)


def _figures(deployment: Deployment) -> dict:
    return {
        "frames_processed": deployment.frames_processed,
        "faces_processed": deployment.faces_processed,
        "alerts": deployment.alerts_raised,
    }


def _forget_on_commit(deployment: Deployment) -> None:
    camera_ids = list(deployment.cameras.values_list("pk", flat=True))
    transaction.on_commit(lambda: forget_tracks(camera_ids))


@transaction.atomic
def complete_deployment(*, deployment: Deployment, by: User) -> Deployment:
    """End a running or paused deployment; its figures go on the ledger with the event."""
    deployment = _commanded(deployment, by, "complete the deployment")
    _require_status(deployment, S.RUNNING, S.PAUSED, action="complete")
    deployment = _move(
        deployment,
        by,
        S.COMPLETED,
        "deployment.completed",
        _figures(deployment),
        ended_at=timezone.now(),
        paused_at=None,
    )
    record_deployment_ended(watchlist=deployment.watchlist, ended_at=deployment.ended_at, by=by)
    deployment_ended(deployment=deployment, by=by)
    _forget_on_commit(deployment)
    return deployment


@transaction.atomic
def halt_deployment(*, deployment: Deployment, by: User, reason: str) -> Deployment:
    """The Silver commander (or the deciding authorising officer, as for the authority) halts
    the deployment at any time before it ends, with a reason; the engine under its authority
    is halted too, unless it already is (see the module's note). Halting ends the deployment:
    resuming the authority later does not restart it."""
    # Lock order: the authority's row first (as the gate takes it), then the deployment's.
    application = lock_application(deployment.authority_id)
    deployment = lock_deployment(deployment)
    role = halting_role(by, application)
    if role is None:
        raise NotTheSilverCommander("Only the Silver commander may halt a deployment.")
    if deployment.is_ended:
        raise DeploymentNotRunning(
            f"Cannot halt: the deployment is {deployment.get_status_display().lower()}."
        )
    reason = require_reasons(reason, "Write why the deployment is halted.", field="reason")
    now = timezone.now()
    engine_halted = False
    if application.status in LIVE_STATUSES and application.halted_at is None:
        halt_authority(
            application=application,
            by=by,
            reasons=f"Deployment {deployment.pk} halted: {reason}",
        )
        engine_halted = True
    deployment.status = S.HALTED
    deployment.halted_at = now
    deployment.halted_by = by
    deployment.halt_reason = reason
    deployment.ended_at = now
    deployment.paused_at = None
    deployment.save(
        update_fields=["status", "halted_at", "halted_by", "halt_reason", "ended_at", "paused_at"]
    )
    record_event(
        actor=by,
        role=role,
        action="deployment.halted",
        subject=deployment,
        payload={
            "run_id": deployment.run_id,
            "reason": reason,
            "authority_halted": engine_halted,
            **_figures(deployment),
        },
    )
    record_deployment_ended(watchlist=deployment.watchlist, ended_at=now, by=by)
    deployment_ended(deployment=deployment, by=by)
    _forget_on_commit(deployment)
    return deployment
