"""The authorising officer's part: approving an under-18 justification, and signing the list
off beside the authorised criteria, which freezes it and seals its gallery for the gate; and
the watchlist officer's decision on two records flagged as one face."""

import hashlib
from collections import Counter

from django.db import transaction
from django.utils import timezone

from authority.models import User, WatchlistCategory
from authority.policies import decider_minimum, require_authorising_officer
from biometric_engine.galleries import lock_gallery, seal_gallery
from common.errors import InvalidInput, NotPermitted, WrongState
from oversight.ledger import record_event
from watchlists.errors import (
    CategoryNotAuthorised,
    CurrencyStale,
    DuplicatesUndecided,
    UnderEighteenUnapproved,
    WatchlistEmpty,
    WatchlistTooLarge,
)
from watchlists.models import (
    DuplicateDecision,
    DuplicateFlag,
    Watchlist,
    WatchlistEntry,
    WatchlistStatus,
    WatchlistVersion,
)
from watchlists.rules import COMPOSITION_WINDOW
from watchlists.services._common import (
    decision_in_force,
    lock_watchlist,
    require_composing,
    require_composition_window,
    require_watchlist_officer,
)
from watchlists.services.composition import current_entries, remove_entry_locked


def _require_signing_officer(by: User, watchlist: Watchlist, action: str) -> None:
    """The authorising officer who decided (or ratified) the authority, nobody else."""
    if not by.has_perm("watchlists.sign_off_watchlist"):
        raise NotPermitted(f"Only an authorising officer may {action}.")
    application = watchlist.authority
    require_authorising_officer(by, application, action, minimum=decider_minimum(application))


@transaction.atomic
def approve_under_18_justification(*, entry: WatchlistEntry, by: User) -> WatchlistEntry:
    """DOMAIN: an under-18 is listed only with a justification the authorising officer approves."""
    watchlist = lock_watchlist(entry.watchlist_id)
    _require_signing_officer(by, watchlist, "approve an under-18 justification")
    require_composing(watchlist)
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_in is not None or not entry.under_18_justification:
        raise WrongState("Only a current entry with an under-18 justification is approved.")
    if entry.justification_approved_at is not None:
        raise WrongState("The justification is already approved.")
    entry.justification_approved_by = by
    entry.justification_approved_at = timezone.now()
    entry.save(update_fields=["justification_approved_by", "justification_approved_at"])
    record_event(
        actor=by,
        action="watchlist.under_18_approved",
        subject=watchlist,
        payload={"watchlist_id": watchlist.pk, "entry_id": entry.pk},
    )
    return entry


@transaction.atomic
def decide_duplicate(*, flag: DuplicateFlag, by: User, decision: str, reason: str) -> DuplicateFlag:
    """Merge (the later entry is removed) or keep both, with the reason, before sign-off."""
    require_watchlist_officer(by, "decide on a flagged duplicate")
    if decision not in DuplicateDecision.values:
        raise InvalidInput("Choose merge or keep both.", field="decision")
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000:
        raise InvalidInput(
            "Give the reason for the decision (up to 1,000 characters).", field="reason"
        )
    flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.decision:
        raise WrongState("This flag has already been decided.")
    if decision == DuplicateDecision.MERGE:
        remove_entry_locked(entry=flag.entry, by=by, reason=f"Merged as a duplicate: {reason}")
    watchlist = lock_watchlist(flag.watchlist_id)
    require_composing(watchlist)
    flag.decision = decision
    flag.reason = reason
    flag.decided_by = by
    flag.decided_at = timezone.now()
    flag.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
    record_event(
        actor=by,
        action="watchlist.duplicate_decided",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "flag_id": flag.pk,
            "entry_id": flag.entry_id,
            "other_id": flag.other_id,
            "score": round(flag.score, 4),
            "decision": decision,
        },
    )
    return flag


def open_flags(watchlist: Watchlist):
    """Flags still to decide between two current entries (a removed entry settles its flags)."""
    return DuplicateFlag.objects.filter(
        watchlist=watchlist,
        decision="",
        entry__removed_in__isnull=True,
        other__removed_in__isnull=True,
    )


def entries_digest(entries) -> str:
    """SHA-256 over (record id, category, image SHA-256) of each entry, in record-id order:
    what a later inspector recomputes to prove which list was signed off."""
    digest = hashlib.sha256()
    for record_id, category, image_sha in sorted(
        entries.values_list("record_id", "category", "image_sha256")
    ):
        digest.update(f"{record_id}\x1f{category}\x1f{image_sha}\x1e".encode())
    return digest.hexdigest()


@transaction.atomic
def sign_off_watchlist(*, watchlist: Watchlist, by: User) -> WatchlistVersion:
    """The authorising officer signs off the version being composed: the list, its size and
    categories are checked against the authorised criteria once more, the version is frozen and
    the gallery sealed until the deployment ends, so the gate searches exactly this list."""
    gallery = lock_gallery(watchlist.gallery_id)
    watchlist = lock_watchlist(watchlist)
    _require_signing_officer(by, watchlist, "sign off the watchlist")
    require_composing(watchlist)
    now = timezone.now()
    require_composition_window(watchlist, now)
    decision = decision_in_force(watchlist.authority)
    entries = current_entries(watchlist)
    count = entries.count()
    if count == 0:
        raise WatchlistEmpty("An empty watchlist is not signed off.")
    if decision.max_watchlist_size is not None and count > decision.max_watchlist_size:
        raise WatchlistTooLarge(
            f"The list holds {count}; the authority allows at most {decision.max_watchlist_size}."
        )
    counts = Counter(entries.values_list("category", flat=True))
    outside = sorted(set(counts) - set(decision.authorised_categories or []))
    if outside:
        labels = ", ".join(WatchlistCategory(c).label for c in outside)
        raise CategoryNotAuthorised(f"The authority no longer allows: {labels}.")
    if open_flags(watchlist).exists():
        raise DuplicatesUndecided(
            "Two records on the list look like one face: decide each flagged pair first."
        )
    if (
        entries.exclude(under_18_justification="")
        .filter(justification_approved_at__isnull=True)
        .exists()
    ):
        raise UnderEighteenUnapproved(
            "Approve (or have removed) every under-18 entry's justification first."
        )
    stale = entries.filter(
        still_sought_confirmed_at__lt=watchlist.deployment_start - COMPOSITION_WINDOW
    ).count()
    if stale:
        raise CurrencyStale(
            f"{stale} entries were confirmed as still sought more than 24 hours before the "
            "deployment: confirm them again in a new entry."
        )
    if entries.filter(enrolled_face__isnull=True).exists():
        raise WrongState("Every entry needs its template before sign-off.")
    until = min(watchlist.deployment_end, watchlist.authority.valid_until)
    gallery = seal_gallery(gallery=gallery, until=until, now=now)
    version = WatchlistVersion.objects.select_for_update().get(
        watchlist=watchlist, number=watchlist.version
    )
    version.signed_off_at = now
    version.signed_off_by = by
    version.entry_count = count
    version.category_counts = dict(sorted(counts.items()))
    version.entries_sha256 = entries_digest(entries)
    version.save()
    watchlist.status = WatchlistStatus.SIGNED_OFF
    watchlist.save(update_fields=["status"])
    record_event(
        actor=by,
        action="watchlist.signed_off",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "version": version.number,
            "entry_count": count,
            "category_counts": version.category_counts,
            "max_watchlist_size": decision.max_watchlist_size,
            "decision_id": decision.pk,
            "entries_sha256": version.entries_sha256,
            "gallery_id": gallery.pk,
            "gallery_revision": gallery.sealed_revision,
            "sealed_until": until,
        },
    )
    return version
