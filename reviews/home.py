"""The reviews app's sections of each person's home page (config.home): the reviews a
reviewer writes, and those waiting for another officer's approval."""

from django.urls import reverse

from authority.models import User
from common.home import HomeSection, Link, WorkItem
from common.roles import Role
from reviews import selectors

LIMIT = 50


def _item(review, label: str) -> WorkItem:
    href = reverse("reviews:review-detail", args=[review.pk])
    deployment = review.deployment
    return WorkItem(
        title=f"{deployment.name} · {deployment.authority.reference}",
        href=href,
        status=review.get_status_display(),
        detail=f"Ended {deployment.ended_at:%d %b %Y %H:%M} UTC at {deployment.location.name}.",
        acts=(Link(label, href),),
    )


def _all() -> Link:
    return Link("All reviews", reverse("reviews:review-list"))


def reviewer_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.REVIEWER):
        return None
    return HomeSection(
        heading="Post-deployment reviews to write",
        roles=frozenset({Role.REVIEWER}),
        intro="Each deployment that ends opens its review. Its figures are computed from the "
        "deployment's records and checked against the ledger; you write the narrative and "
        "attest the deletions, then another officer approves.",
        work=[_item(r, "Write") for r in selectors.to_write(user)[:LIMIT]],
        work_heading="Open reviews",
        empty="No review is open.",
        next_steps=[_all()],
    )


def approver_section(user: User) -> HomeSection | None:
    reviews = selectors.to_approve(user)
    if not (user.has_role(Role.REVIEWER) or user.has_role(Role.AUTHORISING_OFFICER)):
        return None
    if not user.has_perm("reviews.approve_review"):
        return None
    return HomeSection(
        heading="Reviews to approve",
        roles=frozenset({Role.REVIEWER, Role.AUTHORISING_OFFICER}),
        intro="Approve another officer's review, or return it saying why. An authority is "
        "closed only once the reviews of its deployments are approved.",
        work=[_item(r, "Approve or return") for r in reviews[:LIMIT]],
        work_heading="Submitted for approval",
        empty="No review waits for your approval.",
        next_steps=[_all()],
    )


def publisher_section(user: User) -> HomeSection | None:
    if not selectors.may_publish_any(user):
        return None
    publications = reverse("reviews:publications")
    work = [
        WorkItem(
            title=f"{d.location.name}: announce",
            href=publications,
            status="Planned",
            detail=f"{d.planned_start:%d %b %Y %H:%M} UTC.",
            acts=(Link("Announce", publications),),
        )
        for d in selectors.to_announce(user)[:LIMIT]
    ] + [_item(r, "Publish the results") for r in selectors.to_publish(user)[:LIMIT]]
    return HomeSection(
        heading="Publication",
        roles=frozenset({Role.PUBLISHER}),
        intro="Announce planned deployments in advance and publish each deployment's results "
        "once its review is approved. Never published: the intelligence case, names, images, "
        "record ids, anything restricted.",
        work=work,
        work_heading="Waiting for you",
        empty="Nothing waits to be announced or published.",
        next_steps=[
            Link("Publication", publications),
            Link("The public transparency site", reverse("transparency:index")),
        ],
    )


HOME_SECTIONS = [reviewer_section, approver_section, publisher_section]
