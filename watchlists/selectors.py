"""Reads for the watchlists app, each filtered by what the reader may see."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from authority.models import (
    LIVE_STATUSES,
    Application,
    Decision,
    Mode,
    User,
    WatchlistCategory,
)
from authority.policies import is_deciding_officer
from authority.selectors import scope_decision
from common.roles import Role
from watchlists.models import (
    DuplicateFlag,
    Watchlist,
    WatchlistEntry,
    WatchlistStatus,
)
from watchlists.roles import VIEW
from watchlists.rules import COMPOSITION_WINDOW
from watchlists.services.composition import current_entries
from watchlists.services.sign_off import open_flags

COMPOSE = "watchlists.compose_watchlist"
SIGN_OFF = "watchlists.sign_off_watchlist"
SUBJECT_ACCESS = "watchlists.view_subject_access"


def watchlists_visible_to(user: User) -> QuerySet[Watchlist]:
    """Everyone whose role reads watchlists (watchlists.roles) sees them all; nobody else any."""
    if not user.is_authenticated or not user.has_perm(VIEW):
        return Watchlist.objects.none()
    return (
        Watchlist.objects.select_related("authority", "location")
        .annotate(size=Count("entries", filter=Q(entries__removed_in__isnull=True)))
        .order_by("-deployment_start", "-pk")
    )


def may_compose(user: User) -> bool:
    return user.has_perm(COMPOSE) and user.has_role(Role.WATCHLIST_OFFICER)


def may_sign_off_any(user: User) -> bool:
    return user.has_perm(SIGN_OFF) and user.has_role(Role.AUTHORISING_OFFICER)


def is_signing_officer(user: User, watchlist: Watchlist) -> bool:
    """The authorising officer who decided (or ratified) the watchlist's authority."""
    return may_sign_off_any(user) and is_deciding_officer(user, watchlist.authority)


def may_read_restricted(user: User, instance) -> bool:
    """An entry's name, date of birth and image: the watchlist officers composing, the
    authorising officer who signs the list off, and those answering subject access."""
    if user.has_perm(SUBJECT_ACCESS) or may_compose(user):
        return True
    watchlist = instance.watchlist if isinstance(instance, WatchlistEntry) else instance
    return is_signing_officer(user, watchlist)


def live_lfr_authorities(user: User) -> QuerySet[Application]:
    """The authorities a watchlist may be composed under now (the service checks again)."""
    if not may_compose(user):
        return Application.objects.none()
    return Application.objects.filter(
        mode=Mode.LFR, status__in=LIVE_STATUSES, halted_at__isnull=True
    ).order_by("-valid_from")


def authorised_locations(applications) -> list[tuple[Application, list]]:
    """Each authority with the locations its decision in force authorised."""
    rows = []
    for application in applications:
        decision = scope_decision(application)
        if decision is not None:
            rows.append((application, list(decision.authorised_locations.all())))
    return rows


def watchlists_to_compose(user: User) -> QuerySet[Watchlist]:
    if not may_compose(user):
        return Watchlist.objects.none()
    return watchlists_visible_to(user).filter(status=WatchlistStatus.COMPOSING)


def watchlists_to_sign_off(user: User) -> list[Watchlist]:
    """Lists being composed under authorities this officer decided, with at least one entry."""
    if not may_sign_off_any(user):
        return []
    return [
        watchlist
        for watchlist in watchlists_visible_to(user).filter(status=WatchlistStatus.COMPOSING)[:200]
        if watchlist.size and is_deciding_officer(user, watchlist.authority)
    ]


def entries_of(watchlist: Watchlist) -> QuerySet[WatchlistEntry]:
    return current_entries(watchlist).select_related(
        "still_sought_confirmed_by", "justification_approved_by"
    )


def flags_to_decide(watchlist: Watchlist) -> QuerySet[DuplicateFlag]:
    return open_flags(watchlist).select_related("entry", "other").order_by("pk")


@dataclass
class SignOffPicture:
    """The list beside the authorised criteria, and what stands in the way of sign-off (the
    service decides; this is what the page shows beforehand)."""

    decision: Decision | None
    size: int = 0
    category_counts: list[tuple[str, int, bool]] = field(default_factory=list)
    authorised_categories: list[str] = field(default_factory=list)
    locations: list = field(default_factory=list)
    location_authorised: bool = False
    under_18_to_approve: list[WatchlistEntry] = field(default_factory=list)
    flags: list[DuplicateFlag] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)


def sign_off_picture(watchlist: Watchlist) -> SignOffPicture:
    decision = scope_decision(watchlist.authority)
    picture = SignOffPicture(decision=decision)
    entries = entries_of(watchlist)
    picture.size = entries.count()
    counts = Counter(entries.values_list("category", flat=True))
    allowed = set(decision.authorised_categories or []) if decision else set()
    picture.category_counts = [
        (WatchlistCategory(c).label, n, c in allowed) for c, n in sorted(counts.items())
    ]
    picture.authorised_categories = [WatchlistCategory(c).label for c in sorted(allowed)]
    if decision is not None:
        picture.locations = list(decision.authorised_locations.all())
        picture.location_authorised = watchlist.location in picture.locations
    picture.under_18_to_approve = list(
        entries.exclude(under_18_justification="").filter(justification_approved_at__isnull=True)
    )
    picture.flags = list(flags_to_decide(watchlist))
    blockers = picture.blockers
    if decision is None:
        blockers.append("The authority has no decision in force.")
    if picture.size == 0:
        blockers.append("The list is empty.")
    maximum = decision.max_watchlist_size if decision else None
    if maximum is not None and picture.size > maximum:
        blockers.append(f"The list holds {picture.size}; at most {maximum} allowed.")
    outside = [label for label, _, ok in picture.category_counts if not ok]
    if outside:
        blockers.append(f"Categories not authorised: {', '.join(outside)}.")
    if picture.flags:
        blockers.append(f"{len(picture.flags)} flagged duplicate pair(s) to decide.")
    if picture.under_18_to_approve:
        blockers.append(f"{len(picture.under_18_to_approve)} under-18 justification(s) to approve.")
    stale = entries.filter(
        still_sought_confirmed_at__lt=watchlist.deployment_start - COMPOSITION_WINDOW
    ).count()
    if stale:
        blockers.append(f"{stale} entries confirmed as still sought too early.")
    if entries.filter(enrolled_face__isnull=True).exists():
        blockers.append("An entry has no template.")
    return picture
