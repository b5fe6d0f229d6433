"""What every authority service shares: the row lock, reasons, transitions, one transaction.

Who may act is ``authority.policies``."""

import functools
from collections.abc import Callable
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TypeVar

from django.db import transaction
from django_fsm import TransitionNotAllowed
from simple_history.models import HistoricalRecords

from authority.errors import ReasonsRequired
from authority.models import Application, User
from authority.models.limits import REASONS_CHARS
from common.errors import InvalidInput, WrongState


def lock_application(application: Application | int) -> Application:
    """Re-read the application under a row lock; concurrent deciders queue here."""
    pk = application.pk if isinstance(application, Application) else application
    return Application.objects.select_for_update().get(pk=pk)


def require_reasons(
    text: str,
    what: str = "Write the reasons for this decision.",
    *,
    field: str | None = None,
    limit: int = REASONS_CHARS,
) -> str:
    text = (text or "").strip()
    if not text:
        raise ReasonsRequired(what, field=field)
    return require_length(text, field=field, limit=limit)


def require_length(text: str, *, field: str | None, limit: int = REASONS_CHARS) -> str:
    """Text of at most ``limit`` characters, whichever caller sent it (form, API, command)."""
    if len(text) > limit:
        raise InvalidInput(
            f"Shorten this to {limit:,} characters or fewer (it has {len(text):,}).", field=field
        )
    return text


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
