"""What the watchlist services share: who may compose, the decision in force, the lock."""

import hashlib
from datetime import date, datetime

from authority.models import Application, Decision, User
from authority.selectors import scope_decision
from common.errors import WrongState
from common.roles import Role
from watchlists.errors import (
    NotAWatchlistOfficer,
    OutsideCompositionWindow,
    WatchlistDataDeleted,
    WatchlistFrozen,
)
from watchlists.models import Watchlist, WatchlistStatus
from watchlists.rules import ADULT_AGE, COMPOSITION_WINDOW


def require_watchlist_officer(by: User, action: str = "compose a watchlist") -> None:
    if not (by.has_perm("watchlists.compose_watchlist") and by.has_role(Role.WATCHLIST_OFFICER)):
        raise NotAWatchlistOfficer(f"Only a watchlist officer may {action}.")


def decision_in_force(application: Application) -> Decision:
    decision = scope_decision(application)
    if decision is None:
        raise WrongState("The authority has no decision in force: nothing may be composed.")
    return decision


def lock_watchlist(watchlist: Watchlist | int) -> Watchlist:
    pk = watchlist.pk if isinstance(watchlist, Watchlist) else watchlist
    return Watchlist.objects.select_for_update().select_related("authority").get(pk=pk)


def require_composing(watchlist: Watchlist) -> None:
    """Entries change only in an open version, before the data is deleted."""
    if watchlist.status == WatchlistStatus.DATA_DELETED:
        raise WatchlistDataDeleted("The watchlist's images and templates have been deleted.")
    if watchlist.status == WatchlistStatus.SIGNED_OFF:
        raise WatchlistFrozen(
            f"Version {watchlist.version} is signed off and frozen; open a new version to "
            "change it (it will need a new sign-off)."
        )


def require_composition_window(watchlist: Watchlist, now: datetime) -> None:
    """DOMAIN: composed not more than 24 hours before the deployment starts (and not after it
    ends): the window opens at the deployment's start - 24 h, not the authority's."""
    opens = watchlist.deployment_start - COMPOSITION_WINDOW
    if now < opens:
        raise OutsideCompositionWindow(
            f"A watchlist is composed no more than 24 hours before its deployment starts: "
            f"composition opens at {opens:%d %b %Y %H:%M} UTC."
        )
    if now >= watchlist.deployment_end:
        raise OutsideCompositionWindow("The deployment has ended: its watchlist cannot change.")


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_under_18(born: date | None, deployment_start: datetime) -> bool:
    return born is not None and age_on(born, deployment_start.date()) < ADULT_AGE


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
