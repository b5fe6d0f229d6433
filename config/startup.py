"""Start-up guard: a misconfigured database or broker ends in one clear line, not a traceback.

Set WA_TRACEBACK=1 to see the full traceback when debugging.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def describe_startup_error(exc: BaseException) -> str | None:
    """Return a one-line, actionable description of a known start-up failure, or None."""
    from django.db import OperationalError as DatabaseUnreachable
    from kombu.exceptions import OperationalError as BrokerUnreachable

    first_line = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
    if isinstance(exc, ImproperlyConfigured):
        return f"configuration error: {first_line}"
    if isinstance(exc, DatabaseUnreachable):
        return (
            f"cannot use the database named by DATABASE_URL: {first_line} "
            "(check that the server is running and the URL is right)"
        )
    if isinstance(exc, BrokerUnreachable):
        return (
            f"cannot reach the Celery broker named by CELERY_BROKER_URL: {first_line} "
            "(start the broker, or unset CELERY_BROKER_URL to run tasks in-process)"
        )
    return None


def run_from_command_line(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except Exception as exc:
        message = describe_startup_error(exc)
        if message is None or os.environ.get("WA_TRACEBACK"):
            raise
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
