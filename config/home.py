"""Each person's home page: for every role they hold, their own work and what they may do next.

The shared base every app's home sections use (the types are in ``common.home``). An app
offers sections in ``<app>/home.py`` as ``HOME_SECTIONS``: a list of callables
``(user) -> HomeSection | None`` (None: nothing for this person). A section names the roles
it serves; a role no installed app serves yet gets a section saying what is coming for it,
with the rules it will work under (``COMING``), so nobody lands on an empty page. When the
app for a role arrives, it adds its section and removes the role from ``COMING``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from common.home import HomeSection, Link
from common.roles import Role


@dataclass(frozen=True)
class Coming:
    """A role whose capability is still to come: what it will do here, and the rules it will
    work under (its guide page)."""

    summary: str
    rules: tuple[str, ...]


SectionProvider = Callable[[object], HomeSection | None]

# What each role's capability will bring, until its app is installed (DOMAIN.md).
COMING: dict[Role, Coming] = {}


def url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the capability is not installed
        return None


def collect_providers() -> list[SectionProvider]:
    providers: list[SectionProvider] = []
    for app_config in apps.get_app_configs():
        try:
            module = import_module(f"{app_config.name}.home")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.home":
                raise
            continue
        providers.extend(getattr(module, "HOME_SECTIONS", []))
    return providers


def oversight_section(user) -> HomeSection | None:
    """Oversight bodies read everything and change nothing (the ledger has no home module of
    its own: it knows no app)."""
    if Role.OVERSIGHT not in user.roles:
        return None
    pages = [
        ("The ledger timeline", "oversight:timeline", "Every recorded action, newest first."),
        (
            "Urgent authorities",
            "oversight:urgent-register",
            "Each urgent authority and whether it was ratified.",
        ),
        (
            "Compliance exceptions",
            "oversight:compliance-register",
            "Authorities left to lapse or expire.",
        ),
        ("Refused engine calls", "oversight:refused-engine-register", "What the gate refused."),
        ("Who held which role, when", "oversight:role-register", ""),
        (
            "Verify the ledger",
            "oversight:verify",
            "Prove nothing recorded was changed or removed.",
        ),
        ("Every application", "authority:application-list", ""),
    ]
    return HomeSection(
        heading="Inspect the record",
        roles=frozenset({Role.OVERSIGHT}),
        intro="You read every application, decision and ledger entry, and change nothing.",
        empty="",
        next_steps=[Link(label, href, hint) for label, name, hint in pages if (href := url(name))],
    )


# The sections config offers itself, before every app's.
BUILT_IN: list[SectionProvider] = [oversight_section]


def sections_for(user) -> list[HomeSection]:
    """The person's home: each installed app's sections for them, then a section for every
    role they hold that no app serves yet."""
    held = user.roles
    providers = [*BUILT_IN, *collect_providers()]
    sections = [s for s in (provider(user) for provider in providers) if s]
    served = set().union(*(s.roles for s in sections)) if sections else set()
    for section in sections:
        for role in section.roles & held:
            if role in COMING and not section.coming:
                section.coming = COMING[role].summary
    for role in sorted(held - served, key=list(Role).index):
        if role in COMING:
            sections.append(coming_section(role))
    if not sections:
        sections.append(
            HomeSection(
                heading="No role yet",
                roles=frozenset(),
                intro="Your account holds no role, so there is no work here for you yet.",
                empty="Ask an administrator for the role your work needs: every grant is "
                "recorded on the ledger with its reasons.",
                next_steps=_always(),
            )
        )
    return sections


def coming_section(role: Role) -> HomeSection:
    return HomeSection(
        heading=role.label,
        roles=frozenset({role}),
        coming=COMING[role].summary,
        empty="",
        next_steps=[
            Link(
                "Read the rules your work will follow",
                reverse("role-guide", args=[role.value]),
                "What the platform will enforce for your role, from the start.",
            ),
            *_always(),
        ],
    )


def _always() -> list[Link]:
    links = []
    if href := url("api-docs"):
        links.append(Link("Read the API documentation", href, "Every act here is in the API too."))
    return links
