"""Registers apps hand to oversight: the ledger knows no app, so an app names the events that
open a register, what may follow them and by when (authority's urgent authorities), and the
labels of its compliance exceptions."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class FollowUpRegister:
    """An event that must be followed up in time, listed with what followed for its object."""

    opening_action: str  # "application.urgently_authorised"
    outcomes: dict[str, str]  # a follow-up action and its label, most decisive last
    awaiting: str  # the label while nothing decisive has followed
    timely_action: str  # the follow-up that must come in time ("application.ratified")
    # By when: the opening event's payload field naming the deadline, else this long after it.
    deadline_field: str
    limit: timedelta
    late_code: str  # the compliance exception when the timely follow-up came after it


@dataclass(frozen=True)
class RoleEvents:
    """The actions with which an app records a role granted to and withdrawn from an account
    (payload ``{"role": code, "reasons": …}``), from which oversight lists who held what when."""

    granted: str
    withdrawn: str


_FOLLOW_UPS: dict[str, FollowUpRegister] = {}
_ROLE_EVENTS: list[RoleEvents] = []


_REFUSED_ACTIONS: set[str] = set()


def register_refused_actions(*actions: str) -> None:
    """The actions with which an app records a use of the engine it refused."""
    _REFUSED_ACTIONS.update(actions)


def refused_actions() -> list[str]:
    return sorted(_REFUSED_ACTIONS)


def register_role_events(events: RoleEvents) -> None:
    if events not in _ROLE_EVENTS:
        _ROLE_EVENTS.append(events)


def role_events() -> list[RoleEvents]:
    return list(_ROLE_EVENTS)


_COMPLIANCE_LABELS: dict[str, str] = {}


def register_follow_up(name: str, register: FollowUpRegister) -> None:
    _FOLLOW_UPS[name] = register


def follow_up_register(name: str) -> FollowUpRegister | None:
    return _FOLLOW_UPS.get(name)


def register_compliance_labels(labels: dict[str, str]) -> None:
    _COMPLIANCE_LABELS.update(labels)


def compliance_label(code: str) -> str:
    return _COMPLIANCE_LABELS.get(code, code.replace("_", " ").capitalize())


def compliance_labels() -> dict[str, str]:
    return dict(_COMPLIANCE_LABELS)
