"""What must be done before an authority may be closed, registered by the apps above it.

``authority`` knows no app above it: ``reviews`` registers a blocker here from its ``ready()``
(every ended deployment's review approved), and ``cancel_authority`` asks every registered
blocker, under the authority's row lock, before it closes the authority.
"""

from collections.abc import Callable

# blocker(application) -> a sentence saying what is still to do, or "" when nothing is.
ClosingBlocker = Callable[[object], str]

_BLOCKERS: dict[str, ClosingBlocker] = {}


def register_closing_blocker(key: str, blocker: ClosingBlocker) -> None:
    _BLOCKERS[key] = blocker


def closing_blockers(application) -> list[str]:
    """What still stands in the way of closing ``application``, one sentence each."""
    return [reason for blocker in list(_BLOCKERS.values()) if (reason := blocker(application))]
