"""The deployments app's sections of each person's home page (config.home): the deployments a
Silver commander commands, an LFR operator runs, an engagement officer responds on."""

from django.urls import reverse

from authority.models import User
from common.home import HomeSection, Link, WorkItem
from common.roles import Role
from deployments import selectors

LIMIT = 50


def _item(deployment, acts: tuple[Link, ...]) -> WorkItem:
    return WorkItem(
        title=f"{deployment.name} · {deployment.authority.reference}",
        href=reverse("deployments:deployment-detail", args=[deployment.pk]),
        status=deployment.get_status_display(),
        detail=f"{deployment.planned_start:%d %b %Y %H:%M} to "
        f"{deployment.planned_end:%d %b %Y %H:%M} UTC at {deployment.location.name}.",
        acts=acts,
    )


def _all() -> Link:
    return Link("All deployments", reverse("deployments:deployment-list"))


def silver_commander_section(user: User) -> HomeSection | None:
    if not selectors.may_plan_any(user):
        return None
    items = []
    for deployment in selectors.not_ended(selectors.commanded_by(user))[:LIMIT]:
        acts = (Link("Command", reverse("deployments:deployment-detail", args=[deployment.pk])),)
        items.append(_item(deployment, acts))
    return HomeSection(
        heading="Deployments you command",
        roles=frozenset({Role.SILVER_COMMANDER}),
        intro="Plan each deployment from its signed-off watchlist, naming its operators and "
        "engagement officers; start, pause and complete it inside its window, and halt it at "
        "any time with a reason.",
        work=items,
        work_heading="Planned and running",
        empty="No deployment of yours is planned or running.",
        next_steps=[
            Link(
                "Plan a deployment",
                reverse("deployments:deployment-plan"),
                "From a watchlist signed off under an authority you command.",
            ),
            _all(),
        ],
    )


def operator_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.LFR_OPERATOR):
        return None
    items = []
    for deployment in selectors.not_ended(selectors.operated_by(user))[:LIMIT]:
        acts = (
            Link("Alert queue", reverse("deployments:alert-queue", args=[deployment.pk])),
            Link("Cameras", reverse("deployments:deployment-detail", args=[deployment.pk])),
        )
        items.append(_item(deployment, acts))
    return HomeSection(
        heading="Deployments you operate",
        roles=frozenset({Role.LFR_OPERATOR}),
        intro="Register the cameras of the deployments you are named on and adjudicate each "
        "alert: possible match or no match, with your reason. An alert is never acted on "
        "automatically; a face that matches nothing leaves only a count.",
        work=items,
        work_heading="Planned and running",
        empty="No deployment names you as an operator now.",
        next_steps=[_all()],
    )


def engagement_officer_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.ENGAGEMENT_OFFICER):
        return None
    items = []
    for deployment in selectors.not_ended(selectors.engaged_by(user))[:LIMIT]:
        acts = (
            Link("Engagement decisions", reverse("deployments:engagements", args=[deployment.pk])),
        )
        items.append(_item(deployment, acts))
    return HomeSection(
        heading="Deployments you respond on",
        roles=frozenset({Role.ENGAGEMENT_OFFICER}),
        intro="After an operator adjudicates an alert as a possible match, decide whether to "
        "engage and record the outcome and what followed.",
        work=items,
        work_heading="Planned and running",
        empty="No deployment names you as an engagement officer now.",
        next_steps=[_all()],
    )


HOME_SECTIONS = [silver_commander_section, operator_section, engagement_officer_section]
