"""The deployment settings, read when used so a test's override applies (docs/settings.md)."""

from django.conf import settings

from common.roles import Role


def adjudicating_roles() -> tuple[Role, ...]:
    """The roles who adjudicate an alert: the LFR operator by default; South Wales Police has
    the engagement officer adjudicate. Configuration chooses who, never whether: an engagement
    decision always follows a separate adjudication."""
    return tuple(Role(code) for code in settings.WA_ADJUDICATING_ROLES)


def track_expiry_seconds() -> float:
    """A track ends after this long without a sighting of its face in the camera's view."""
    return float(settings.WA_TRACK_EXPIRY_SECONDS)


def track_min_iou() -> float:
    """A box continues a track when it overlaps the track's last box at least this much."""
    return float(settings.WA_TRACK_MIN_IOU)
