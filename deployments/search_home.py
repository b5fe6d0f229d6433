"""The investigator's section of the home page (config.home), and the approver's and
reviewer's searches waiting for them. ``deployments.home`` offers these in HOME_SECTIONS."""

from django.urls import NoReverseMatch, reverse

from authority.models import User
from common.home import HomeSection, Link, WorkItem
from common.roles import Role
from deployments import search_selectors as selectors
from deployments.models import SearchStatus

LIMIT = 50


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the pages are not mounted
        return None


def _item(search, href: str, acts: tuple[Link, ...] = ()) -> WorkItem:
    return WorkItem(
        title=f"{search.crime_reference} · {search.authority.reference}",
        href=href,
        status=search.get_status_display(),
        detail=f"{search.offence_label}; requested {search.created_at:%d %b %Y %H:%M}.",
        acts=acts,
    )


def investigator_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.INVESTIGATOR) or _url("deployments:search-list") is None:
        return None
    items = []
    if selectors.may_request(user):
        open_states = (SearchStatus.DRAFT, SearchStatus.APPROVED, SearchStatus.RUN)
        for search in selectors.searches_visible_to(user).filter(
            requested_by=user, status__in=open_states
        )[:LIMIT]:
            items.append(_item(search, reverse("deployments:search-detail", args=[search.pk])))
    for search in selectors.searches_to_review(user)[:LIMIT]:
        href = reverse("deployments:search-review", args=[search.pk])
        items.append(_item(search, href, (Link("Review the candidates", href),)))
    steps = [
        Link(
            "Request a retrospective search",
            reverse("deployments:search-create"),
            "One per case, under a live RFR authority; approved by another officer.",
        ),
        Link("All your searches", reverse("deployments:search-list")),
    ]
    if selectors.may_check(user):
        steps += [
            Link(
                "Run an operator-initiated check",
                reverse("deployments:check-create"),
                "Justified and logged; the photo is searched at once and deleted.",
            ),
            Link("Your checks", reverse("deployments:check-list")),
        ]
    return HomeSection(
        heading="Retrospective searches and identity checks",
        roles=frozenset({Role.INVESTIGATOR}),
        intro="Search custody images for a case under an approved request, and check a "
        "person's identity against custody and missing-person images when justified. Every "
        "candidate is an investigative lead, not an identification.",
        work=items,
        work_heading="Your searches and candidates to review",
        empty="No search needs you now.",
        next_steps=steps,
    )


def approver_section(user: User) -> HomeSection | None:
    if _url("deployments:search-list") is None:
        return None
    waiting = list(selectors.searches_to_approve(user)[:LIMIT])
    if not waiting:
        return None
    return HomeSection(
        heading="Retrospective searches to approve",
        roles=frozenset({Role.AUTHORISING_OFFICER}),
        intro="Approve or refuse each search request, with your reasons.",
        work=[_item(s, reverse("deployments:search-decide", args=[s.pk])) for s in waiting],
        work_heading="Waiting for your decision",
        next_steps=[Link("All searches", reverse("deployments:search-list"))],
    )


HOME_SECTIONS = [investigator_section, approver_section]
