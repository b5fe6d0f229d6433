"""Deletion after deployment (DOMAIN, Watchlists and Retention): once a deployment has ended
(plus the configured delay, ``rules.deletion_delay``) or its authority has ended (cancelled,
expired, lapsed...), every template, image file and restricted detail of its watchlist is
deleted, and only the record ids, categories and composition times are kept, so the list can
be reconstructed for audit and subject access. Each deletion is attested on the ledger
(``watchlist.data_deleted``) with its counts and digests.

What an entry keeps: record id, source system, category, the versions it was added and removed
in and why, when it was added and confirmed still sought (and by whom), the image's source
system, legal basis and SHA-256 (which the signed-off ``entries_sha256`` is computed over), and
the under-18 approval's who and when. What goes: the image file and template, the name, date
of birth, reason sought, capture date, quality and the under-18 justification's text.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from authority.models import LIVE_STATUSES, User
from biometric_engine.galleries import erase_templates, lock_gallery
from common.errors import NotPermitted, WrongState
from oversight.ledger import record_event
from watchlists.errors import WatchlistDataDeleted
from watchlists.models import ImportJob, Watchlist, WatchlistEntry, WatchlistStatus
from watchlists.rules import deletion_delay
from watchlists.services._common import lock_watchlist

logger = logging.getLogger(__name__)

DEPLOYMENT_ENDED = "deployment_ended"
AUTHORITY_ENDED = "authority_ended"

# What deletion blanks on every entry (current or removed), and to what.
BLANKED_ENTRY_FIELDS: dict[str, object] = {
    "name": "",
    "date_of_birth": None,
    "reason": "",
    "image": "",
    "capture_date": None,
    "quality": None,
    "under_18_justification": "",
    "enrolled_face": None,
}


class WatchlistDataNotDue(WrongState):
    code = "watchlist_data_not_due"


@dataclass(frozen=True)
class DeletionDue:
    rule: str  # DEPLOYMENT_ENDED or AUTHORITY_ENDED
    due_at: datetime | None  # when the deployment rule falls due (None for the authority rule)


def deletion_due_at(watchlist: Watchlist) -> datetime:
    """When the deployment rule makes the watchlist's data due for deletion: the delay after
    the deployment ended, or after its planned end if it has not ended before it."""
    ended = watchlist.deployment_end
    if watchlist.deployment_ended_at is not None:
        ended = min(ended, watchlist.deployment_ended_at)
    return ended + deletion_delay()


def record_deployment_ended(*, watchlist: Watchlist, ended_at: datetime, by: User) -> Watchlist:
    """The watchlist's deployment has ended (completed or halted) at ``ended_at``: its data
    falls due for deletion the delay after that, not after the planned end. Runs inside the
    deployment's ending transaction (deployments call it); its own event names the new due
    time. An end after the planned one changes nothing: the planned end already applies."""
    changed = Watchlist.objects.filter(
        pk=watchlist.pk, deployment_ended_at__isnull=True, deployment_end__gt=ended_at
    ).update(deployment_ended_at=ended_at)
    watchlist.refresh_from_db()
    if not changed:
        return watchlist
    record_event(
        actor=by,
        action="watchlist.deployment_ended",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "ended_at": ended_at,
            "planned_end": watchlist.deployment_end,
            "deletion_due_at": deletion_due_at(watchlist),
        },
    )
    return watchlist


def why_due(watchlist: Watchlist, now: datetime) -> DeletionDue | None:
    """The rule under which the watchlist's data is due for deletion now, or None."""
    due_at = deletion_due_at(watchlist)
    if due_at <= now:
        return DeletionDue(DEPLOYMENT_ENDED, due_at)
    if watchlist.authority.status not in LIVE_STATUSES:
        return DeletionDue(AUTHORITY_ENDED, None)
    return None


def due_watchlists(now: datetime | None = None):
    """Every watchlist whose data is due for deletion and not yet deleted."""
    now = now or timezone.now()
    return (
        Watchlist.objects.exclude(status=WatchlistStatus.DATA_DELETED)
        .filter(
            Q(deployment_end__lte=now - deletion_delay())
            | Q(deployment_ended_at__lte=now - deletion_delay())
            | ~Q(authority__status__in=LIVE_STATUSES)
        )
        .order_by("deployment_end", "pk")
    )


def _require_deleter(by: User | None) -> None:
    # The scheduled job acts as the system (by=None); a person only as a watchlist officer.
    if by is not None and not by.has_perm("watchlists.compose_watchlist"):
        raise NotPermitted("Only a watchlist officer may delete a watchlist's data.")


def _file_digest(path: str) -> str | None:
    """The SHA-256 of a stored file's bytes, or None when the file is already gone."""
    try:
        with default_storage.open(path, "rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except (FileNotFoundError, OSError):
        return None


def _delete_files(paths: list[str], watchlist_id: int) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except Exception:  # one file refused must not keep the others
            logger.exception("Could not delete %s of watchlist %s", path, watchlist_id)


@transaction.atomic
def delete_watchlist_data(*, watchlist: Watchlist, by: User | None = None) -> Watchlist:
    """Delete a watchlist's templates, image files and restricted details once it is due,
    keeping its record ids, categories and composition times; attested on the ledger."""
    _require_deleter(by)
    gallery = lock_gallery(watchlist.gallery_id)
    watchlist = lock_watchlist(watchlist)
    if watchlist.status == WatchlistStatus.DATA_DELETED:
        raise WatchlistDataDeleted("The watchlist's images and templates are already deleted.")
    now = timezone.now()
    due = why_due(watchlist, now)
    if due is None:
        raise WatchlistDataNotDue(
            "The watchlist's data is deleted only after its deployment has ended "
            f"(from {deletion_due_at(watchlist):%d %b %Y %H:%M} UTC) or its authority has ended."
        )
    erased = erase_templates(gallery=gallery)
    entries = list(WatchlistEntry.objects.select_for_update().filter(watchlist=watchlist))
    image_paths, file_lines, missing = [], [], 0
    for entry in entries:
        if not entry.image:
            continue
        found = _file_digest(entry.image.name)
        if found is None:
            missing += 1
            continue
        if found != entry.image_sha256:
            logger.warning("Entry %s's image file does not match its recorded SHA-256", entry.pk)
        image_paths.append(entry.image.name)
        file_lines.append(f"{entry.pk}\x1f{found}\x1e")
    files_digest = hashlib.sha256("".join(sorted(file_lines)).encode()).hexdigest()
    WatchlistEntry.objects.filter(watchlist=watchlist).update(**BLANKED_ENTRY_FIELDS)
    WatchlistEntry.objects.filter(watchlist=watchlist, data_deleted_at__isnull=True).update(
        data_deleted_at=now
    )
    # A bulk import's CSV holds names and its ZIP the images: they go with the list.
    import_paths = []
    for job in ImportJob.objects.select_for_update().filter(watchlist=watchlist):
        paths = [f.name for f in (job.csv_file, job.zip_file) if f]
        if paths:
            import_paths.extend(paths)
            job.csv_file = ""
            job.zip_file = ""
            job.save(update_fields=["csv_file", "zip_file"])
    watchlist.status = WatchlistStatus.DATA_DELETED
    watchlist.data_deleted_at = now
    watchlist.save(update_fields=["status", "data_deleted_at"])
    record_event(
        actor=by,
        action="watchlist.data_deleted",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "gallery_id": gallery.pk,
            "version": watchlist.version,
            "rule": due.rule,
            "delay_hours": deletion_delay().total_seconds() / 3600,
            "deployment_end": watchlist.deployment_end,
            "due_at": due.due_at,
            "authority_status": watchlist.authority.status,
            "entries_count": len(entries),
            "templates_deleted": erased.templates,
            "templates_sha256": erased.templates_sha256,
            "image_files_deleted": len(image_paths),
            "image_files_missing_count": missing,
            "image_files_sha256": files_digest,
            "import_files_deleted": len(import_paths),
        },
    )
    paths = image_paths + import_paths
    watchlist_id = watchlist.pk
    transaction.on_commit(lambda: _delete_files(paths, watchlist_id))
    return watchlist


def delete_due_watchlist_data(*, now: datetime | None = None) -> dict:
    """The scheduled job: delete every due watchlist's data, each in its own transaction, so
    one failure does not stop the others (it is logged and tried again next run). Safe to run
    twice: a deleted watchlist is no longer due."""
    deleted, failed = [], []
    for pk in list(due_watchlists(now).values_list("pk", flat=True)):
        try:
            delete_watchlist_data(watchlist=Watchlist.objects.get(pk=pk))
        except WatchlistDataDeleted:
            continue  # deleted meanwhile by another run
        except Exception:
            logger.exception("Could not delete the data of watchlist %s", pk)
            failed.append(pk)
        else:
            deleted.append(pk)
    return {"deleted": deleted, "failed": failed}
