"""The watchlists app's sections of each person's home page (config.home): lists to compose
for the watchlist officer, lists to sign off for the authorising officer."""

from django.urls import reverse

from authority.models import User
from common.home import HomeSection, Link, WorkItem
from common.roles import Role
from watchlists import selectors

LIMIT = 50


def _item(watchlist, acts: tuple[Link, ...]) -> WorkItem:
    return WorkItem(
        title=f"{watchlist.name} · {watchlist.authority.reference}",
        href=reverse("watchlists:watchlist-detail", args=[watchlist.pk]),
        status=f"{watchlist.get_status_display()} (version {watchlist.version})",
        detail=f"{watchlist.size} on the list; deployment "
        f"{watchlist.deployment_start:%d %b %Y %H:%M} to "
        f"{watchlist.deployment_end:%d %b %Y %H:%M} at {watchlist.location.name}.",
        acts=acts,
    )


def watchlist_officer_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.WATCHLIST_OFFICER):
        return None
    items = []
    if selectors.may_compose(user):
        for watchlist in selectors.watchlists_to_compose(user)[:LIMIT]:
            acts = (
                Link("Add an entry", reverse("watchlists:entry-add", args=[watchlist.pk])),
                Link("Flagged duplicates", reverse("watchlists:duplicates", args=[watchlist.pk])),
            )
            items.append(_item(watchlist, acts))
    return HomeSection(
        heading="Watchlists to compose",
        roles=frozenset({Role.WATCHLIST_OFFICER}),
        intro="Compose each watchlist within 24 hours of its deployment, from the categories "
        "its authority allows, for the authorising officer to sign off.",
        work=items,
        work_heading="Being composed",
        empty="No watchlist is being composed.",
        next_steps=[
            Link(
                "Create a watchlist",
                reverse("watchlists:watchlist-create"),
                "For one planned deployment under a live LFR authority.",
            ),
            Link("All watchlists", reverse("watchlists:watchlist-list")),
        ],
    )


def sign_off_section(user: User) -> HomeSection | None:
    if not selectors.may_sign_off_any(user):
        return None
    items = [
        _item(
            watchlist,
            (Link("Review and sign off", reverse("watchlists:sign-off", args=[watchlist.pk])),),
        )
        for watchlist in selectors.watchlists_to_sign_off(user)[:LIMIT]
    ]
    return HomeSection(
        heading="Watchlists to sign off",
        roles=frozenset({Role.AUTHORISING_OFFICER}),
        intro="Watchlists composed under the authorities you decided: sign each off beside the "
        "criteria you authorised, after approving any under-18 justification.",
        work=items,
        work_heading="Waiting for your sign-off",
        empty="No watchlist is waiting for your sign-off.",
        next_steps=[Link("All watchlists", reverse("watchlists:watchlist-list"))],
    )


def subject_access_section(user: User) -> HomeSection | None:
    if not user.has_perm("watchlists.view_subject_access"):
        return None
    return HomeSection(
        heading="Subject access",
        roles=frozenset({Role.OVERSIGHT, Role.ADMINISTRATOR}),
        intro="Every watchlist and reference gallery a person's record id was on, under which "
        "authority, and what became of the images and templates.",
        work=[],
        empty="",
        next_steps=[
            Link(
                "Answer a subject access request",
                reverse("watchlists:subject-access"),
                "Search by record id; download the report as a PDF.",
            )
        ],
    )


HOME_SECTIONS = [watchlist_officer_section, sign_off_section, subject_access_section]
