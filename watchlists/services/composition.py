"""Composing a watchlist: creating it for a planned deployment, adding and removing entries,
opening a new version after sign-off.

An entry's template is computed by the gate under an enrolment scope; the entry itself is
written by the gate's ``on_enrolled`` hook in the gate's transaction, after every rule of the
list is checked again under the watchlist's lock, so the entry, its image, its template and
their ledger events commit together or not at all.
"""

import logging
from datetime import datetime
from pathlib import PurePath

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from authority.models import LIVE_STATUSES, Application, Location, Mode, User
from biometric_engine.galleries import (
    create_gallery,
    erase_templates,
    lock_gallery,
    unseal_gallery,
)
from biometric_engine.models import EnrolledFace, GalleryKind
from common.errors import InvalidInput, WrongState
from common.storage import store_file
from gate.enrolment import enrol_watchlist_face
from gate.galleries import bind_watchlist_gallery
from gate.inputs import EngineInputError
from gate.minting import mint_enrolment_scope
from gate.scope import AuthorityScope
from oversight.ledger import record_event
from watchlists.errors import (
    DeploymentOutsideAuthority,
    DuplicateImage,
    DuplicateRecord,
    ImageRefused,
    LocationNotAuthorised,
    WatchlistTooLarge,
)
from watchlists.models import (
    DuplicateFlag,
    Watchlist,
    WatchlistEntry,
    WatchlistStatus,
    WatchlistVersion,
)
from watchlists.rules import duplicate_similarity
from watchlists.services._common import (
    decision_in_force,
    lock_watchlist,
    require_composing,
    require_composition_window,
    require_watchlist_officer,
    sha256,
)
from watchlists.services.entries import EntryDetails, clean_entry

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


@transaction.atomic
def create_watchlist(
    *,
    application: Application,
    by: User,
    name: str,
    deployment_start: datetime,
    deployment_end: datetime,
    location: Location,
) -> Watchlist:
    """A new, empty watchlist for one planned deployment under a live LFR authority."""
    require_watchlist_officer(by, "create a watchlist")
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.mode != Mode.LFR:
        raise WrongState("A watchlist is composed only under a live facial recognition authority.")
    if application.status not in LIVE_STATUSES or application.halted_at is not None:
        raise WrongState(
            f"The authority is {application.get_status_display().lower()}: no watchlist can be "
            "composed under it."
        )
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("Name the watchlist in 1 to 200 characters.", field="name")
    if deployment_end <= deployment_start:
        raise InvalidInput("The deployment must end after it starts.", field="deployment_end")
    if deployment_start < application.valid_from or deployment_end > application.valid_until:
        raise DeploymentOutsideAuthority(
            "The deployment must lie within the authorised window "
            f"({application.valid_from:%d %b %Y %H:%M} to "
            f"{application.valid_until:%d %b %Y %H:%M} UTC).",
            field="deployment_start",
        )
    if deployment_end <= timezone.now():
        raise InvalidInput("The deployment has already ended.", field="deployment_end")
    decision = decision_in_force(application)
    if not decision.authorised_locations.filter(pk=location.pk).exists():
        raise LocationNotAuthorised(
            "The deployment's location must be one the authority authorised.", field="location"
        )
    now = timezone.now()
    gallery = create_gallery(
        name=f"Watchlist: {name}", kind=GalleryKind.WATCHLIST, model_version=decision.model_version
    )
    bind_watchlist_gallery(application=application, gallery=gallery)
    watchlist = Watchlist.objects.create(
        authority=application,
        name=name,
        gallery=gallery,
        deployment_start=deployment_start,
        deployment_end=deployment_end,
        location=location,
        created_by=by,
        created_at=now,
    )
    WatchlistVersion.objects.create(watchlist=watchlist, number=1, opened_at=now, opened_by=by)
    record_event(
        actor=by,
        action="watchlist.created",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "authority_id": application.pk,
            "gallery_id": gallery.pk,
            "location_id": location.pk,
            "deployment_start": deployment_start,
            "deployment_end": deployment_end,
        },
    )
    return watchlist


def current_entries(watchlist: Watchlist):
    return WatchlistEntry.objects.filter(watchlist=watchlist, removed_in__isnull=True)


def _require_room_and_uniqueness(
    watchlist: Watchlist, details: EntryDetails, image_sha256: str
) -> None:
    maximum = decision_in_force(watchlist.authority).max_watchlist_size
    entries = current_entries(watchlist)
    if maximum is not None and entries.count() >= maximum:
        raise WatchlistTooLarge(
            f"The watchlist already holds the authorised maximum of {maximum} people."
        )
    if entries.filter(record_id=details.record_id).exists():
        raise DuplicateRecord(
            f"Record {details.record_id} is already on this watchlist.", field="record_id"
        )
    if entries.filter(image_sha256=image_sha256).exists():
        raise DuplicateImage("This image is already on the watchlist.", field="image")


def check_entry_now(watchlist: Watchlist, details: EntryDetails, image: bytes) -> EntryDetails:
    """Every rule an entry can be checked against before its face is read (no lock)."""
    require_composing(watchlist)
    now = timezone.now()
    require_composition_window(watchlist, now)
    decision = decision_in_force(watchlist.authority)
    details = clean_entry(
        details, decision=decision, deployment_start=watchlist.deployment_start, today=now.date()
    )
    if not image:
        raise InvalidInput("Attach the person's image.", field="image")
    _require_room_and_uniqueness(watchlist, details, sha256(image))
    return details


def add_entry(
    *,
    watchlist: Watchlist,
    by: User,
    details: EntryDetails,
    image: bytes,
    image_name: str = "",
    scope: AuthorityScope | None = None,
    backend=None,
) -> WatchlistEntry:
    """Put one person on the list: the details checked, the face read and enrolled through the
    gate, the entry and its image stored with ``watchlist.entry_added``, near-duplicates of
    another record flagged. Runs outside any transaction (the gate's rule)."""
    require_watchlist_officer(by, "add people to a watchlist")
    details = check_entry_now(watchlist, details, image)
    if scope is None:
        scope = mint_enrolment_scope(
            application=watchlist.authority, by=by, gallery=watchlist.gallery
        )
    image_sha = sha256(image)
    created: dict[str, WatchlistEntry] = {}

    def on_enrolled(face: EnrolledFace, template: np.ndarray, quality: float) -> None:
        created["entry"] = _store_entry(
            watchlist_id=watchlist.pk,
            by=by,
            details=details,
            image=image,
            image_name=image_name,
            image_sha=image_sha,
            face=face,
            template=template,
            quality=quality,
        )

    try:
        enrol_watchlist_face(
            scope=scope,
            gallery_id=watchlist.gallery_id,
            by=by,
            subject_ref=details.record_id,
            image=image,
            backend=backend,
            on_enrolled=on_enrolled,
            min_quality=_min_quality(),
        )
    except EngineInputError as error:
        raise ImageRefused(str(error), code=error.code) from None
    return created["entry"]


def _min_quality() -> float:
    return float(settings.WA_WATCHLIST_MIN_QUALITY)


def _store_entry(
    *,
    watchlist_id: int,
    by: User,
    details: EntryDetails,
    image: bytes,
    image_name: str,
    image_sha: str,
    face: EnrolledFace,
    template: np.ndarray,
    quality: float,
) -> WatchlistEntry:
    """In the gate's transaction, under the gallery's lock: every list rule again, under the
    watchlist's lock this time, then the entry, its image file and its flags."""
    watchlist = lock_watchlist(watchlist_id)
    require_composing(watchlist)
    now = timezone.now()
    require_composition_window(watchlist, now)
    _require_room_and_uniqueness(watchlist, details, image_sha)
    suffix = PurePath(image_name or "").suffix.lower()
    suffix = suffix if suffix in IMAGE_SUFFIXES else ".img"
    path = store_file(f"watchlists/images/{watchlist.pk}/{image_sha}{suffix}", ContentFile(image))
    try:
        entry = WatchlistEntry.objects.create(
            watchlist=watchlist,
            added_in=watchlist.version,
            record_id=details.record_id,
            source_system=details.source_system,
            name=details.name,
            date_of_birth=details.date_of_birth,
            category=details.category,
            reason=details.reason,
            image=path,
            image_source_system=details.image_source_system,
            legal_basis=details.legal_basis,
            capture_date=details.capture_date,
            most_recent_suitable=True,
            quality=quality,
            image_sha256=image_sha,
            still_sought_confirmed_by=by,
            still_sought_confirmed_at=now,
            under_18_justification=details.under_18_justification,
            enrolled_face=face,
            created_by=by,
            created_at=now,
        )
        flags = _flag_near_duplicates(watchlist, entry, template, now)
        record_event(
            actor=by,
            action="watchlist.entry_added",
            subject=watchlist,
            payload={
                "watchlist_id": watchlist.pk,
                "entry_id": entry.pk,
                "version": watchlist.version,
                "category": entry.category,
                "enrolment_id": face.pk,
                "quality": round(quality, 3),
                "image_sha256": image_sha,
                "under_18": bool(entry.under_18_justification),
                "flagged_with": [flag.other_id for flag in flags],
            },
        )
        return entry
    except BaseException:
        # The transaction will roll back: leave no image file behind it.
        default_storage.delete(path)
        raise


def _flag_near_duplicates(
    watchlist: Watchlist, entry: WatchlistEntry, template: np.ndarray, now: datetime
) -> list[DuplicateFlag]:
    """Two record ids whose faces score at or above the high-similarity threshold may be one
    person listed twice: flagged for the watchlist officer to merge or keep, with a reason."""
    others = list(
        current_entries(watchlist)
        .exclude(pk=entry.pk)
        .exclude(enrolled_face__isnull=True)
        .values_list("pk", "enrolled_face__template")
    )
    if not others:
        return []
    vectors = np.stack([np.frombuffer(bytes(t), dtype=np.float32) for _, t in others])
    scores = vectors @ template.astype(np.float32)
    limit = duplicate_similarity()
    return [
        DuplicateFlag.objects.create(
            watchlist=watchlist, entry=entry, other_id=pk, score=float(score), raised_at=now
        )
        for (pk, _), score in zip(others, scores, strict=True)
        if score >= limit
    ]


@transaction.atomic
def remove_entry(*, entry: WatchlistEntry, by: User, reason: str) -> WatchlistEntry:
    """Take a person off the list being composed (no longer sought, merged as a duplicate):
    the template and image go at once; the record id, category and times stay."""
    require_watchlist_officer(by, "remove people from a watchlist")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(
            "Give the reason for removing the entry (up to 500 characters).", field="reason"
        )
    return remove_entry_locked(entry=entry, by=by, reason=reason)


def remove_entry_locked(*, entry: WatchlistEntry, by: User, reason: str) -> WatchlistEntry:
    """``remove_entry`` inside a caller's transaction (a duplicate's merge)."""
    gallery = lock_gallery(entry.watchlist.gallery_id)
    watchlist = lock_watchlist(entry.watchlist_id)
    require_composing(watchlist)
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_in is not None:
        raise WrongState("The entry has already been removed.")
    erased = None
    if entry.enrolled_face_id is not None:
        erased = erase_templates(gallery=gallery, enrolment_ids=[entry.enrolled_face_id])
    image_path = entry.image.name
    entry.removed_in = watchlist.version
    entry.removal_reason = reason
    entry.image = ""
    entry.enrolled_face = None
    entry.save(update_fields=["removed_in", "removal_reason", "image", "enrolled_face"])
    if image_path:
        transaction.on_commit(lambda: default_storage.delete(image_path))
    record_event(
        actor=by,
        action="watchlist.entry_removed",
        subject=watchlist,
        payload={
            "watchlist_id": watchlist.pk,
            "entry_id": entry.pk,
            "version": watchlist.version,
            "templates_deleted": erased.templates if erased else 0,
            "templates_sha256": erased.templates_sha256 if erased else "",
            "image_sha256": entry.image_sha256,
        },
    )
    return entry


@transaction.atomic
def open_new_version(*, watchlist: Watchlist, by: User) -> WatchlistVersion:
    """Unfreeze a signed-off list as its next version: the gate refuses it until signed off."""
    require_watchlist_officer(by, "open a new version of a watchlist")
    gallery = lock_gallery(watchlist.gallery_id)
    watchlist = lock_watchlist(watchlist)
    if watchlist.status != WatchlistStatus.SIGNED_OFF:
        raise WrongState("Only a signed-off watchlist is opened as a new version.")
    now = timezone.now()
    require_composition_window(watchlist, now)
    unseal_gallery(gallery=gallery)
    watchlist.version += 1
    watchlist.status = WatchlistStatus.COMPOSING
    watchlist.save(update_fields=["version", "status"])
    version = WatchlistVersion.objects.create(
        watchlist=watchlist, number=watchlist.version, opened_at=now, opened_by=by
    )
    record_event(
        actor=by,
        action="watchlist.version_opened",
        subject=watchlist,
        payload={"watchlist_id": watchlist.pk, "version": version.number},
    )
    return version
