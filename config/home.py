"""Each person's home page: for every role they hold, their own work and what they may do next.

The shared base every app's home sections use (the types are in ``common.home``). An app
offers sections in ``<app>/home.py`` as ``HOME_SECTIONS``: a list of callables
``(user) -> HomeSection | None`` (None: nothing for this person). A section names the roles
it serves; every role is served by its app, and a person holding no role is told how to get one.
"""

from collections.abc import Callable
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from common.home import HomeSection, Link
from common.roles import Role

SectionProvider = Callable[[object], HomeSection | None]


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
        (
            "Inspection exports",
            "oversight:exports",
            "The ledger and its documents in one zip, to verify offline.",
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
    """The person's home: each installed app's sections for them."""
    providers = [*BUILT_IN, *collect_providers()]
    sections = [s for s in (provider(user) for provider in providers) if s]
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


def _always() -> list[Link]:
    links = []
    if href := url("api-docs"):
        links.append(Link("Read the API documentation", href, "Every act here is in the API too."))
    return links
