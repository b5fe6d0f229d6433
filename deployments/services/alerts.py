"""The two human decisions on an alert: adjudication, then the engagement decision.

An alert is never acted on automatically (DOMAIN). A person in an adjudicating role
(``WA_ADJUDICATING_ROLES``: the LFR operator by default, the engagement officer in the South
Wales variant) named on the deployment decides possible match or no match, with a reason; a no
match closes the alert. Only then may an engagement officer named on the deployment decide
whether to engage and record the outcome and what followed. Who adjudicates is configuration;
that an adjudication comes first, as its own decision, is not.

Each decision locks the alert's row and checks its state under the lock, so of two concurrent
adjudications exactly one is recorded and the other is refused.
"""

from django.db import transaction
from django.utils import timezone

from authority.models import User
from authority.services._guards import require_reasons
from common.errors import InvalidInput
from common.roles import Role
from deployments.errors import (
    AlreadyAdjudicated,
    ClosedAsNoMatch,
    EngagementAlreadyDecided,
    NotAdjudicated,
    NotAnAdjudicator,
    NotAnEngagementOfficer,
)
from deployments.models import (
    ENGAGED_OUTCOMES,
    AdjudicationDecision,
    Alert,
    AlertStatus,
    Deployment,
    EngagementOutcome,
    EngagementResult,
)
from deployments.rules import adjudicating_roles
from oversight.ledger import record_event


def _lock_alert(alert: Alert | int) -> Alert:
    pk = alert.pk if isinstance(alert, Alert) else alert
    return Alert.objects.select_for_update().select_related("deployment").get(pk=pk)


def _named_on(user: User, deployment: Deployment, role: Role) -> bool:
    people = {
        Role.LFR_OPERATOR: deployment.operators,
        Role.ENGAGEMENT_OFFICER: deployment.engagement_officers,
    }.get(role)
    return people is not None and people.filter(pk=user.pk).exists()


def adjudicating_role(user: User, deployment: Deployment) -> Role | None:
    """The configured role in which ``user`` may adjudicate this deployment's alerts."""
    if not (user.is_active and user.has_perm("deployments.adjudicate_alert")):
        return None
    for role in adjudicating_roles():
        if user.has_role(role) and _named_on(user, deployment, role):
            return role
    return None


@transaction.atomic
def adjudicate_alert(*, alert: Alert, by: User, decision: str, reason: str) -> Alert:
    """Possible match or no match, with the reason, once per alert."""
    alert = _lock_alert(alert)
    role = adjudicating_role(by, alert.deployment)
    if role is None:
        labels = " or ".join(r.label for r in adjudicating_roles())
        raise NotAnAdjudicator(f"Only a {labels} named on this deployment adjudicates its alerts.")
    if alert.status != AlertStatus.NEW:
        raise AlreadyAdjudicated("This alert has already been adjudicated.")
    if decision not in AdjudicationDecision.values:
        raise InvalidInput("Decide possible match or no match.", field="decision")
    reason = require_reasons(reason, "Write why you decided so.", field="reason")
    alert.decision = decision
    alert.decision_reason = reason
    alert.adjudicated_by = by
    alert.adjudicated_role = role.value
    alert.adjudicated_at = timezone.now()
    alert.status = (
        AlertStatus.ADJUDICATED
        if decision == AdjudicationDecision.POSSIBLE_MATCH
        else AlertStatus.CLOSED
    )
    alert.save(
        update_fields=[
            "decision",
            "decision_reason",
            "adjudicated_by",
            "adjudicated_role",
            "adjudicated_at",
            "status",
        ]
    )
    record_event(
        actor=by,
        role=role,
        action="alert.adjudicated",
        subject=alert,
        payload={
            "deployment_id": alert.deployment_id,
            "run_id": alert.deployment.run_id,
            "decision": decision,
            "reason": reason,
            "score": round(alert.score, 4),
        },
    )
    return alert


@transaction.atomic
def decide_engagement(
    *, alert: Alert, by: User, engage: bool, outcome: str, result: str = "", note: str = ""
) -> Alert:
    """The engagement officer's decision on an alert adjudicated as a possible match: engage
    or not, the outcome (closed list) and, when engaged, what followed (closed list; "other"
    with a note)."""
    alert = _lock_alert(alert)
    deployment = alert.deployment
    if not (
        by.is_active
        and by.has_perm("deployments.decide_engagement")
        and by.has_role(Role.ENGAGEMENT_OFFICER)
        and _named_on(by, deployment, Role.ENGAGEMENT_OFFICER)
    ):
        raise NotAnEngagementOfficer(
            "Only an engagement officer named on this deployment decides on engagement."
        )
    if alert.status == AlertStatus.NEW:
        raise NotAdjudicated("The alert must be adjudicated before any engagement decision.")
    if alert.status == AlertStatus.CLOSED:
        raise ClosedAsNoMatch("The alert was adjudicated as no match: it is closed.")
    if alert.status != AlertStatus.ADJUDICATED:
        raise EngagementAlreadyDecided("The engagement decision on this alert is recorded.")
    if not isinstance(engage, bool):
        raise InvalidInput("Decide whether to engage.", field="engage")
    if outcome not in EngagementOutcome.values:
        raise InvalidInput("Choose the outcome from the list.", field="outcome")
    if engage != (outcome in ENGAGED_OUTCOMES):
        raise InvalidInput(
            "The outcome must match the decision: 'false alert, not engaged' when not engaging; "
            "'true alert, engaged' or 'false alert found on engagement' when engaging.",
            field="outcome",
        )
    note = (note or "").strip()
    if engage:
        if result not in EngagementResult.values:
            raise InvalidInput("Choose what followed the engagement.", field="result")
        if result == EngagementResult.OTHER and not note:
            raise InvalidInput("Say what followed.", field="note")
    elif result:
        raise InvalidInput("Nothing follows an engagement that did not happen.", field="result")
    if len(note) > 2000:
        raise InvalidInput("Shorten the note to 2,000 characters or fewer.", field="note")
    alert.engaged = engage
    alert.outcome = outcome
    alert.result = result
    alert.result_note = note
    alert.engagement_decided_by = by
    alert.engagement_decided_at = timezone.now()
    alert.status = AlertStatus.ENGAGEMENT_DECIDED
    alert.save(
        update_fields=[
            "engaged",
            "outcome",
            "result",
            "result_note",
            "engagement_decided_by",
            "engagement_decided_at",
            "status",
        ]
    )
    record_event(
        actor=by,
        role=Role.ENGAGEMENT_OFFICER,
        action="alert.engagement_decided",
        subject=alert,
        payload={
            "deployment_id": deployment.pk,
            "run_id": deployment.run_id,
            "engaged": engage,
            "outcome": outcome,
            "result": result,
        },
    )
    return alert
