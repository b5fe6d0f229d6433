"""What a home page section is made of, shared by every app that offers one (config.home
collects them from each app's ``home.py``), as common.serializers is for every app's API."""

from dataclasses import dataclass, field

from common.roles import Role


@dataclass(frozen=True)
class Link:
    """Something the person may do now: a page to open."""

    label: str
    href: str
    hint: str = ""


@dataclass(frozen=True)
class WorkItem:
    """One piece of the person's own work (an application, later a watchlist or alert), with
    the acts they may do to it now."""

    title: str
    href: str
    status: str = ""
    detail: str = ""
    acts: tuple[Link, ...] = ()


@dataclass
class HomeSection:
    heading: str
    roles: frozenset[Role]
    intro: str = ""
    work: list[WorkItem] = field(default_factory=list)
    work_heading: str = "Your work"
    empty: str = "Nothing needs you now."
    next_steps: list[Link] = field(default_factory=list)
