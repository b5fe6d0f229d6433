"""Subject access: every watchlist entry and reference image a person's record id was on, and
what became of the data, for those who answer subject access requests (oversight,
administrators).

It answers after deletion too (DOMAIN: the record ids are kept "so the watchlist can be
reconstructed for audit and subject access requests"): the record id, category, authority,
deployment and times stay; the images, templates and restricted details are shown as deleted,
with when.

Every answer is a ledger event, ``subject_access.searched``: who asked, through which channel,
how many results, and the record id's SHA-256, never the record id itself. The ledger is
permanent (it can never be corrected or erased) and read by every oversight body, so a record
id written there in clear would outlive the deletion of everything else about the person; the
SHA-256 still lets an auditor holding a record id find every search for it (``sha256sum`` of the
id's UTF-8 bytes, with no newline). Record ids are few and structured, so the hash is a
pseudonym, not anonymity: the ledger is no more public for it.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from authority.models import LIVE_STATUSES, User, WatchlistCategory
from common.errors import InvalidInput, NotPermitted
from oversight.canonical import parse_time
from oversight.ledger import record_event
from oversight.models import LedgerEntry
from watchlists.models import (
    ReferenceImage,
    SourceSystem,
    WatchlistEntry,
    WatchlistVersion,
)
from watchlists.rules import deletion_delay

PERMISSION = "watchlists.view_subject_access"
CHANNELS = ("page", "report_pdf", "api")
RECORD_ID_MAX = WatchlistEntry._meta.get_field("record_id").max_length


@dataclass(frozen=True)
class SignOff:
    version: int
    signed_off_at: datetime
    signed_off_by: str


@dataclass(frozen=True)
class WatchlistAppearance:
    """One entry of the record id on one watchlist (one deployment)."""

    entry_id: int
    watchlist_id: int
    watchlist_name: str
    gallery_id: int
    watchlist_status: str
    authority_reference: str
    operation_name: str
    authority_status: str
    deployment_start: datetime
    deployment_end: datetime
    location_name: str
    location_borough: str
    record_id: str
    source_system: str
    category: str
    added_in: int
    added_at: datetime
    added_by: str
    signed_off: tuple[SignOff, ...]
    removed_in: int | None
    removed_at: datetime | None
    removal_reason: str
    # Restricted details while held ("" / None once deleted).
    name: str
    date_of_birth: object
    reason: str
    image_held: bool
    template_held: bool
    data_deleted_at: datetime | None
    deletion_due_at: datetime | None
    data_state: str


@dataclass(frozen=True)
class ReferenceAppearance:
    """One reference image of the record id in a standing gallery (RFR, OIFR)."""

    image_id: int
    gallery_name: str
    gallery_kind: str
    record_id: str
    source_system: str
    never_convicted: bool
    added_at: datetime
    searchable: bool
    awaiting_review: bool
    reviewed_at: datetime | None
    retention_review_due: object
    removed_at: datetime | None
    removal_reason: str
    data_state: str


@dataclass(frozen=True)
class SubjectAccessReport:
    record_id: str
    record_id_sha256: str
    generated_at: datetime
    watchlists: tuple[WatchlistAppearance, ...] = field(default_factory=tuple)
    references: tuple[ReferenceAppearance, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return len(self.watchlists) + len(self.references)


def record_id_sha256(record_id: str) -> str:
    return hashlib.sha256(record_id.encode()).hexdigest()


def clean_record_id(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput("Give the person's record id.", field="record_id")
    if len(value) > RECORD_ID_MAX:
        raise InvalidInput(
            f"A record id has at most {RECORD_ID_MAX} characters.", field="record_id"
        )
    return value


def _when(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%d %b %Y %H:%M} ({timezone.get_current_timezone_name()})"


def _removal_times(entries: list[WatchlistEntry]) -> dict[int, datetime]:
    """When each removed entry was removed: the time of its ``watchlist.entry_removed`` event
    (the ledger is the record of when)."""
    removed = {e.pk: e for e in entries if e.removed_in is not None}
    if not removed:
        return {}
    watchlist_ids = {str(e.watchlist_id) for e in removed.values()}
    times = {}
    for recorded_at, payload in LedgerEntry.objects.filter(
        action="watchlist.entry_removed",
        object_type="watchlists.watchlist",
        object_id__in=watchlist_ids,
    ).values_list("recorded_at", "payload"):
        entry_id = json.loads(payload).get("entry_id")
        if entry_id in removed:
            times[entry_id] = parse_time(recorded_at)
    return times


def _signed_off(entry: WatchlistEntry) -> tuple[SignOff, ...]:
    """The signed-off versions the entry was on (from the one it was added in until the one it
    was removed in)."""
    versions = WatchlistVersion.objects.filter(
        watchlist_id=entry.watchlist_id, number__gte=entry.added_in, signed_off_at__isnull=False
    ).select_related("signed_off_by")
    if entry.removed_in is not None:
        versions = versions.filter(number__lt=entry.removed_in)
    return tuple(
        SignOff(v.number, v.signed_off_at, v.signed_off_by.display_name if v.signed_off_by else "")
        for v in versions.order_by("number")
    )


def _entry_data_state(entry: WatchlistEntry, due_at: datetime, authority_ended: bool) -> str:
    if entry.data_deleted_at is not None:
        return (
            f"Image, template and restricted details deleted on {_when(entry.data_deleted_at)}; "
            "only the record id, category and times are kept."
        )
    if authority_ended:
        until = "at the next hourly deletion run (the authority has ended)"
    else:
        until = f"by {_when(due_at)}"
    if entry.removed_in is not None:
        return (
            "Image and template deleted when the entry was removed; the other details are "
            f"held until the watchlist's data is deleted, {until}."
        )
    return f"Image and template still held; they will be deleted {until}."


def _watchlist_appearance(entry: WatchlistEntry, removed_at: datetime | None):
    watchlist = entry.watchlist
    authority = watchlist.authority
    authority_ended = authority.status not in LIVE_STATUSES
    due_at = watchlist.deployment_end + deletion_delay()
    return WatchlistAppearance(
        entry_id=entry.pk,
        watchlist_id=watchlist.pk,
        watchlist_name=watchlist.name,
        gallery_id=watchlist.gallery_id,
        watchlist_status=watchlist.get_status_display(),
        authority_reference=authority.reference,
        operation_name=authority.operation_name,
        authority_status=authority.get_status_display(),
        deployment_start=watchlist.deployment_start,
        deployment_end=watchlist.deployment_end,
        location_name=watchlist.location.name,
        location_borough=watchlist.location.borough,
        record_id=entry.record_id,
        source_system=SourceSystem(entry.source_system).label,
        category=WatchlistCategory(entry.category).label,
        added_in=entry.added_in,
        added_at=entry.created_at,
        added_by=entry.created_by.display_name,
        signed_off=_signed_off(entry),
        removed_in=entry.removed_in,
        removed_at=removed_at,
        removal_reason=entry.removal_reason,
        name=entry.name,
        date_of_birth=entry.date_of_birth,
        reason=entry.reason,
        image_held=bool(entry.image),
        template_held=entry.enrolled_face_id is not None,
        data_deleted_at=entry.data_deleted_at,
        deletion_due_at=None if entry.data_deleted_at else due_at,
        data_state=_entry_data_state(entry, due_at, authority_ended),
    )


def _reference_data_state(image: ReferenceImage) -> str:
    if image.removed_at is not None:
        return f"Removed from the gallery on {_when(image.removed_at)}: template and image deleted."
    if image.enrolled_face_id is None:
        return (
            "Image held but not searchable until a retention review retains it; review due "
            f"{image.retention_review_due:%d %b %Y} (taken out after that without a review)."
        )
    return (
        "Template held and searchable; image not kept. Retention review due "
        f"{image.retention_review_due:%d %b %Y}."
    )


def _reference_appearance(image: ReferenceImage) -> ReferenceAppearance:
    return ReferenceAppearance(
        image_id=image.pk,
        gallery_name=image.gallery.name,
        gallery_kind=image.gallery.gallery.get_kind_display(),
        record_id=image.record_id,
        source_system=SourceSystem(image.source_system).label,
        never_convicted=image.never_convicted,
        added_at=image.added_at,
        searchable=image.enrolled_face_id is not None and image.removed_at is None,
        awaiting_review=bool(image.image) and image.removed_at is None,
        reviewed_at=image.reviewed_at,
        retention_review_due=image.retention_review_due,
        removed_at=image.removed_at,
        removal_reason=image.removal_reason,
        data_state=_reference_data_state(image),
    )


def subject_access_report(record_id: str) -> SubjectAccessReport:
    """The selector: what the platform holds or held about ``record_id`` (no ledger event;
    callers go through ``answer_subject_access``)."""
    record_id = clean_record_id(record_id)
    entries = list(
        WatchlistEntry.objects.filter(record_id=record_id)
        .select_related("watchlist__authority", "watchlist__location", "created_by")
        .order_by("watchlist__deployment_start", "watchlist_id", "pk")
    )
    removed_at = _removal_times(entries)
    images = (
        ReferenceImage.objects.filter(record_id=record_id)
        .select_related("gallery__gallery")
        .order_by("added_at", "pk")
    )
    return SubjectAccessReport(
        record_id=record_id,
        record_id_sha256=record_id_sha256(record_id),
        generated_at=timezone.now(),
        watchlists=tuple(_watchlist_appearance(e, removed_at.get(e.pk)) for e in entries),
        references=tuple(_reference_appearance(i) for i in images),
    )


def require_subject_access(by: User) -> None:
    if not by.has_perm(PERMISSION):
        raise NotPermitted("Only oversight and administrators answer subject access requests.")


@transaction.atomic
def answer_subject_access(*, by: User, record_id: str, channel: str) -> SubjectAccessReport:
    """Answer one subject access query and ledger it (``subject_access.searched``)."""
    require_subject_access(by)
    if channel not in CHANNELS:
        raise InvalidInput(f"Unknown channel {channel!r}.")
    report = subject_access_report(record_id)
    record_event(
        actor=by,
        action="subject_access.searched",
        subject=("watchlists.subjectaccess", report.record_id_sha256),
        payload={
            "record_id_sha256": report.record_id_sha256,
            "channel": channel,
            "results_count": report.count,
            "watchlist_entries_count": len(report.watchlists),
            "reference_images_count": len(report.references),
        },
    )
    return report


def render_subject_access_pdf(report: SubjectAccessReport, *, by: User) -> bytes:
    """The report as a tagged PDF, rendered offline as the WAD is."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from authority.documents import NoNetworkFetcher

    html = render_to_string(
        "watchlists/subject_access_report.html",
        {"report": report, "by": by, "tz": timezone.get_current_timezone_name()},
    )
    return HTML(string=html, url_fetcher=NoNetworkFetcher()).write_pdf(pdf_tags=True)
