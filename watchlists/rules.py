"""The watchlist's numbers, each read from settings so a force can set its own (docs/settings.md).

COMPOSITION_WINDOW: DOMAIN, "composed not more than 24 hours before it starts".
"""

from datetime import timedelta

from django.conf import settings

from authority.rules import WATCHLIST_COMPOSITION_WINDOW

COMPOSITION_WINDOW: timedelta = WATCHLIST_COMPOSITION_WINDOW
ADULT_AGE = 18


def duplicate_similarity() -> float:
    """Two record ids whose faces score at or above this are flagged for a human to decide."""
    return float(settings.WA_WATCHLIST_DUPLICATE_SIMILARITY)


def deletion_delay() -> timedelta:
    """How long after a deployment ends its watchlist's images and templates are deleted
    (DOMAIN: within 24 hours; the scheduled job runs hourly)."""
    return timedelta(hours=float(settings.WA_WATCHLIST_DELETE_AFTER_HOURS))
