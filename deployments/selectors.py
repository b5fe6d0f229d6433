"""Reads for the deployments app, each filtered by what the reader may see.

Deployments are read by every role that holds ``deployments.view_deployment``. Alerts (their
crops, the matched entry's name, date of birth and image) only by the people on the
deployment (its operators, engagement officers and Silver commander) and oversight.

The live counters come from the deployment's rows; ``ledger_counters`` recomputes each of them
from the ledger events that carry the deployment's run id alone, so the figures a review or
publication reports can be checked against the tamper-evident record.
"""

from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from authority.models import User
from authority.policies import halting_role
from common.roles import Role
from deployments.models import (
    ENDED_STATUSES,
    ENGAGED_OUTCOMES,
    FALSE_OUTCOMES,
    AdjudicationDecision,
    Alert,
    AlertStatus,
    Deployment,
    DeploymentStatus,
    EngagementResult,
)
from deployments.services._common import is_silver_commander
from deployments.services.alerts import adjudicating_role
from oversight.selectors import ledger_head_seq, run_events
from watchlists.models import Watchlist, WatchlistStatus

VIEW = "deployments.view_deployment"
COMMAND = "deployments.command_deployment"


def deployments_visible_to(user: User) -> QuerySet[Deployment]:
    """Everyone whose role reads deployments (deployments.roles) sees them; nobody else any."""
    if not user.is_authenticated or not user.has_perm(VIEW):
        return Deployment.objects.none()
    return Deployment.objects.select_related(
        "authority", "location", "watchlist", "silver_commander"
    )


def is_on_deployment(user: User, deployment: Deployment) -> bool:
    """Named on the deployment: its Silver commander, an operator or an engagement officer."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.pk == deployment.silver_commander_id
        or deployment.operators.filter(pk=user.pk).exists()
        or deployment.engagement_officers.filter(pk=user.pk).exists()
    )


def may_see_alerts(user: User, deployment: Deployment) -> bool:
    """A deployment's alerts: the people on it and oversight, nobody else."""
    if not (user.is_authenticated and user.has_perm("deployments.view_alert")):
        return False
    return user.has_role(Role.OVERSIGHT) or is_on_deployment(user, deployment)


def may_read_alert_restricted(user, alert: Alert) -> bool:
    """An alert's crop and the matched person's name, date of birth and image (the
    ``oversight.redaction`` rule for alerts): the people who must compare and act, and oversight."""
    return may_see_alerts(user, alert.deployment)


def alerts_visible_to(user: User) -> QuerySet[Alert]:
    """Alerts of the deployments the reader is on; every alert for oversight."""
    if not (user.is_authenticated and user.has_perm("deployments.view_alert")):
        return Alert.objects.none()
    alerts = Alert.objects.select_related("deployment", "camera", "entry")
    if user.has_role(Role.OVERSIGHT):
        return alerts
    return alerts.filter(
        Q(deployment__silver_commander=user)
        | Q(deployment__operators=user)
        | Q(deployment__engagement_officers=user)
    ).distinct()


def may_plan_any(user: User) -> bool:
    return user.has_perm(COMMAND) and user.has_role(Role.SILVER_COMMANDER)


def watchlists_to_deploy(user: User) -> QuerySet[Watchlist]:
    """Watchlists (being composed or signed off), not yet deployed, under authorities this
    Silver commander is named on and whose window has not ended (the service checks every
    rule again; the deployment starts only once its list is signed off)."""
    if not may_plan_any(user):
        return Watchlist.objects.none()
    return (
        Watchlist.objects.filter(
            status__in=[WatchlistStatus.COMPOSING, WatchlistStatus.SIGNED_OFF],
            authority__silver_commander=user,
            deployment__isnull=True,
            deployment_end__gt=timezone.now(),
        )
        .select_related("authority", "location")
        .order_by("deployment_start", "pk")
    )


def people_with_role(role: Role) -> QuerySet[User]:
    return User.objects.filter(groups__name=role.value, is_active=True).order_by(
        "last_name", "username"
    )


def commanded_by(user: User) -> QuerySet[Deployment]:
    return deployments_visible_to(user).filter(silver_commander=user)


def operated_by(user: User) -> QuerySet[Deployment]:
    return deployments_visible_to(user).filter(operators=user)


def engaged_by(user: User) -> QuerySet[Deployment]:
    return deployments_visible_to(user).filter(engagement_officers=user)


def not_ended(deployments: QuerySet[Deployment]) -> QuerySet[Deployment]:
    return deployments.exclude(status__in=ENDED_STATUSES)


def deployment_actions(user: User, deployment: Deployment) -> dict[str, bool]:
    """The buttons to offer now, by the deployment's state and who the reader is; the service
    decides again when a button is pressed (the window, the authority still live...)."""
    s = deployment.status
    commands = is_silver_commander(user, deployment.authority)
    halts = halting_role(user, deployment.authority) is not None
    return {
        "start": commands and s == DeploymentStatus.PLANNED,
        "pause": commands and s == DeploymentStatus.RUNNING,
        "resume": commands and s == DeploymentStatus.PAUSED,
        "complete": commands and s in (DeploymentStatus.RUNNING, DeploymentStatus.PAUSED),
        "halt": halts and not deployment.is_ended,
        "register_camera": not deployment.is_ended
        and (commands or deployment.operators.filter(pk=user.pk).exists()),
    }


def may_adjudicate(user: User, deployment: Deployment) -> bool:
    return adjudicating_role(user, deployment) is not None


def may_decide_engagement(user: User, deployment: Deployment) -> bool:
    return (
        user.is_active
        and user.has_perm("deployments.decide_engagement")
        and user.has_role(Role.ENGAGEMENT_OFFICER)
        and deployment.engagement_officers.filter(pk=user.pk).exists()
    )


def alert_queue(deployment: Deployment) -> QuerySet[Alert]:
    """Alerts awaiting adjudication, oldest first: the operator's queue."""
    return (
        deployment.alerts.filter(status=AlertStatus.NEW)
        .select_related("camera", "entry")
        .order_by("probe_time", "pk")
    )


def engagement_queue(deployment: Deployment) -> QuerySet[Alert]:
    """Alerts adjudicated as a possible match, awaiting the engagement decision."""
    return (
        deployment.alerts.filter(status=AlertStatus.ADJUDICATED)
        .select_related("camera", "entry", "adjudicated_by")
        .order_by("adjudicated_at", "pk")
    )


def decided_alerts(deployment: Deployment) -> QuerySet[Alert]:
    return (
        deployment.alerts.filter(status__in=[AlertStatus.CLOSED, AlertStatus.ENGAGEMENT_DECIDED])
        .select_related("camera", "entry")
        .order_by("-probe_time", "-pk")
    )


# --- counters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counters:
    """What forces publish per deployment (DOMAIN: Post-deployment review and transparency)."""

    frames_processed: int = 0
    faces_processed: int = 0
    alerts: int = 0
    adjudicated: int = 0
    false_alerts: int = 0
    engagements: int = 0
    arrests: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


COUNTER_LABELS = {
    "frames_processed": "Frames processed",
    "faces_processed": "Faces processed",
    "alerts": "Alerts",
    "adjudicated": "Adjudicated",
    "false_alerts": "False alerts",
    "engagements": "Engagements",
    "arrests": "Arrests",
}


def counters(deployment: Deployment) -> Counters:
    """The live figures, from the deployment's row and its alerts.

    A false alert is one adjudicated as no match, or an engagement decision of "false alert,
    not engaged" or "false alert found on engagement"."""
    fresh = Deployment.objects.only("frames_processed", "faces_processed", "alerts_raised").get(
        pk=deployment.pk
    )
    alerts = Alert.objects.filter(deployment_id=deployment.pk)
    return Counters(
        frames_processed=fresh.frames_processed,
        faces_processed=fresh.faces_processed,
        alerts=fresh.alerts_raised,
        adjudicated=alerts.filter(adjudicated_at__isnull=False).count(),
        false_alerts=alerts.filter(
            Q(decision=AdjudicationDecision.NO_MATCH) | Q(outcome__in=FALSE_OUTCOMES)
        ).count(),
        engagements=alerts.filter(engaged=True).count(),
        arrests=alerts.filter(result=EngagementResult.ARREST).count(),
    )


# The events a run's figures follow from, each carrying the run id in its payload (the
# review's figures read the same ones).
RUN_EVENTS = (
    "engine.search_run",
    "deployment.faces_seen",
    "alert.raised",
    "alert.adjudicated",
    "alert.engagement_decided",
)


# A run's tally kept this long after its last reading (a deployment's page polls every few s).
COUNTERS_CACHE_SECONDS = 6 * 3600


def ledger_counters(deployment: Deployment) -> Counters:
    """The same figures recomputed from the ledger alone: the entries whose payload carries
    the deployment's run id (the gate's ``engine.search_run`` per frame searched, the
    frames service's ``deployment.faces_seen`` per frame in which new faces were followed,
    ``alert.raised``, ``alert.adjudicated``, ``alert.engagement_decided``).

    Incremental: the tally and the ledger position it reached are kept in the cache, so the
    page polling it reads only the entries appended since (a day's deployment is a few hundred
    thousand ``engine.search_run`` events). The entries are found by the ledger's run index;
    each payload is parsed and its run id compared exactly. A cache miss recounts from the
    start, so the figures never depend on the cache being right, only on its being there."""
    run_id = deployment.run_id
    key = f"deployments:ledger-counters:{run_id}"
    kept = cache.get(key)
    since, figures = (
        (kept["seq"], kept["figures"])
        if kept
        else (0, dict.fromkeys(Counters.__dataclass_fields__, 0))
    )
    head = ledger_head_seq()
    for entry in (
        run_events(run_id, actions=RUN_EVENTS, after_seq=since, upto_seq=head)
        .only("seq", "action", "payload")
        .iterator()
    ):
        _tally(figures, entry.action, entry.data, run_id)
    cache.set(key, {"seq": max(head, since), "figures": figures}, timeout=COUNTERS_CACHE_SECONDS)
    return Counters(**figures)


def _tally(figures: dict, action: str, data: dict, run_id: str) -> None:
    if data.get("run_id") != run_id:
        return
    if action == "engine.search_run":
        figures["frames_processed"] += 1
    elif action == "deployment.faces_seen":
        figures["faces_processed"] += int(data.get("new_faces_count", 0))
    elif action == "alert.raised":
        figures["alerts"] += 1
    elif action == "alert.adjudicated":
        figures["adjudicated"] += 1
        if data.get("decision") == AdjudicationDecision.NO_MATCH:
            figures["false_alerts"] += 1
    elif action == "alert.engagement_decided":
        if data.get("outcome") in FALSE_OUTCOMES:
            figures["false_alerts"] += 1
        if data.get("engaged") and data.get("outcome") in ENGAGED_OUTCOMES:
            figures["engagements"] += 1
        if data.get("result") == EngagementResult.ARREST:
            figures["arrests"] += 1
