"""Checks every authority service shares: locking, rank, independence, reasons."""

import functools
from collections.abc import Callable
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TypeVar

from django.db import transaction
from django_fsm import TransitionNotAllowed
from simple_history.models import HistoricalRecords

from authority.errors import (
    DeciderInChain,
    NotAnAuthorisingOfficer,
    RankTooLow,
    ReasonsRequired,
)
from authority.models import Application, ApplicationStatus, Rank, User
from common.errors import WrongState
from common.roles import Role


def lock_application(application: Application | int) -> Application:
    """Re-read the application under a row lock; concurrent deciders queue here."""
    pk = application.pk if isinstance(application, Application) else application
    return Application.objects.select_for_update().get(pk=pk)


def require_rank(by: User, rank: Rank, action: str) -> None:
    if not by.has_rank_at_least(rank):
        held = by.rank_label or "no police rank"
        raise RankTooLow(
            f"To {action} you must hold the rank of {rank.label} or above; you hold {held}."
        )


def require_role(by: User, role: Role, action: str) -> None:
    if not by.has_role(role):
        raise NotAnAuthorisingOfficer(f"To {action} you need the {role.label} role.")


def require_independent(by: User, application: Application) -> None:
    from authority.errors import SelfAuthorisation

    if by.pk == application.applicant_id:
        raise SelfAuthorisation()
    if by.pk in {
        application.gold_commander_id,
        application.silver_commander_id,
        application.bronze_commander_id,
    }:
        raise DeciderInChain()


def require_reasons(text: str, what: str = "Write the reasons for this decision.") -> str:
    text = (text or "").strip()
    if not text:
        raise ReasonsRequired(what)
    return text


def require_status(application: Application, *allowed: ApplicationStatus, action: str) -> None:
    if application.status not in allowed:
        raise WrongState(
            f"Cannot {action}: the application is {application.get_status_display().lower()}."
        )


def move(application: Application, transition_name: str, action: str) -> None:
    """Run a django-fsm transition, turning a forbidden one into a clear WrongState."""
    method = getattr(application, transition_name)
    try:
        method()
    except TransitionNotAllowed:
        raise WrongState(
            f"Cannot {action}: the application is {application.get_status_display().lower()}."
        ) from None


F = TypeVar("F", bound=Callable)


@contextmanager
def history_attributed_to(by: User | None):
    """Row history names the acting officer, in a request or not (Celery, commands)."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=by) if by is not None else None
    try:
        yield
    finally:
        context.request = previous


def authority_service(func: F) -> F:
    """One transaction per service, with row history attributed to the `by` officer."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with transaction.atomic(), history_attributed_to(kwargs.get("by")):
            return func(*args, **kwargs)

    return run
