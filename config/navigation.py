"""Navigation by role: each link is shown only to the roles whose work it serves."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from common.roles import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    roles: frozenset[Role] | None = None  # None: every signed-in user
    permission: str | None = None


NAV_LINKS: list[NavLink] = [
    NavLink("Home", "home"),
    NavLink("Applications", "authority:application-list"),
    NavLink(
        "Equitability",
        "engine:report-list",
        roles=frozenset(
            {Role.AUTHORISING_OFFICER, Role.CHIEF_OFFICER, Role.OVERSIGHT, Role.ADMINISTRATOR}
        ),
    ),
    NavLink(
        "Watchlists",
        "watchlists:watchlist-list",
        roles=frozenset(
            {
                Role.WATCHLIST_OFFICER,
                Role.AUTHORISING_OFFICER,
                Role.SILVER_COMMANDER,
                Role.LFR_OPERATOR,
                Role.OVERSIGHT,
                Role.ADMINISTRATOR,
            }
        ),
    ),
    NavLink(
        "Deployments",
        "deployments:deployment-list",
        roles=frozenset(
            {
                Role.SILVER_COMMANDER,
                Role.LFR_OPERATOR,
                Role.ENGAGEMENT_OFFICER,
                Role.AUTHORISING_OFFICER,
                Role.REVIEWER,
                Role.OVERSIGHT,
                Role.ADMINISTRATOR,
            }
        ),
    ),
    NavLink(
        "Reviews",
        "reviews:review-list",
        roles=frozenset(
            {
                Role.REVIEWER,
                Role.AUTHORISING_OFFICER,
                Role.PUBLISHER,
                Role.OVERSIGHT,
                Role.ADMINISTRATOR,
            }
        ),
    ),
    NavLink("Oversight", "oversight:timeline", roles=frozenset({Role.OVERSIGHT})),
    NavLink("API", "api-docs"),
    NavLink("Accounts", "accounts:account-list", roles=frozenset({Role.ADMINISTRATOR})),
    NavLink("Administration", "admin:index", roles=frozenset({Role.ADMINISTRATOR})),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    roles = user.roles
    links = []
    for link in NAV_LINKS:
        if link.roles is not None and not (roles & link.roles) and not user.is_superuser:
            continue
        try:
            href = reverse(link.url_name)
        except NoReverseMatch:  # the capability is not installed yet
            continue
        links.append({"label": link.label, "href": href, "current": request.path == href})
    return {"nav_links": links, "user_roles": sorted(r.label for r in roles)}
