"""Reference galleries searched by RFR and OIFR: custody images, missing-person images.

DOMAIN (RFR and OIFR controls): a custody image of a person never convicted is not "lawfully
held" for searching without a recorded review. Such an image is kept as a ``ReferenceImage``
with its file, but no template is enrolled, so no search can reach it, until a review to retain
it is recorded; a review to delete it removes it; and one whose review date passes without a
review is taken out of search by the hourly job (``remove_overdue_reference_images``).

An image's template is enrolled by the engine (``biometric_engine.services.enrol_face``), whose
``on_enrolled`` hook writes the image's row and ledger event in the enrolment's own
transaction: a template never stands in a gallery without its provenance, and a refusal is
ledgered by the engine as for any enrolment. The enrolment image is then dropped: only a file
awaiting its review is kept.
"""

import logging
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from authority.models import User
from biometric_engine.engine import default_model_version, engine_backend, one_face_template
from biometric_engine.galleries import create_gallery, erase_templates, lock_gallery
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from biometric_engine.services import GalleryOfAnotherModel, clean_subject_ref, enrol_face
from common.errors import InvalidInput, NotPermitted, WrongState
from common.storage import store_file
from gate.inputs import EngineInputError
from oversight.ledger import record_event
from watchlists.errors import DuplicateImage, ImageRefused
from watchlists.models import ReferenceGallery, ReferenceImage, SourceSystem
from watchlists.services._common import sha256

logger = logging.getLogger(__name__)

MANAGE = "watchlists.manage_reference_gallery"
RETAIN = "retain"
DELETE = "delete"
REVIEW_OUTCOMES = (RETAIN, DELETE)
REFERENCE_KINDS = (GalleryKind.CUSTODY, GalleryKind.MISSING_PERSONS)
# Which source systems each kind of gallery takes its images from.
SOURCES_FOR_KIND = {
    GalleryKind.CUSTODY: frozenset({SourceSystem.CUSTODY, SourceSystem.PNC}),
    GalleryKind.MISSING_PERSONS: frozenset({SourceSystem.MISSING_PERSONS}),
}
OVERDUE = "retention_review_overdue"
REVIEWED_DELETE = "retention_review_delete"


def _require_manager(by: User, action: str) -> None:
    if not by.has_perm(MANAGE):
        raise NotPermitted(f"Only an administrator of reference galleries may {action}.")


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise InvalidInput("Write the review's reasons.", field="note")
    if len(note) > 1000:
        raise InvalidInput("Keep the note to 1,000 characters.", field="note")
    return note


@transaction.atomic
def create_reference_gallery(*, name: str, kind: str, by: User) -> ReferenceGallery:
    """A standing gallery of custody or missing-person images, searched by RFR and OIFR."""
    _require_manager(by, "create a reference gallery")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("Name the gallery in 1 to 200 characters.", field="name")
    if kind not in REFERENCE_KINDS:
        raise InvalidInput(
            "A reference gallery holds custody images or missing-person images.", field="kind"
        )
    gallery = create_gallery(name=name, kind=kind, model_version=default_model_version())
    reference = ReferenceGallery.objects.create(
        gallery=gallery, name=name, created_at=timezone.now()
    )
    record_event(
        actor=by,
        action="reference.gallery_created",
        subject=reference,
        payload={"reference_gallery_id": reference.pk, "gallery_id": gallery.pk, "kind": kind},
    )
    return reference


def _check_new_image(
    *,
    gallery: ReferenceGallery,
    record_id: str,
    source_system: str,
    image: bytes,
    retention_review_due: date,
) -> str:
    record_id = clean_subject_ref(record_id)
    kind = gallery.gallery.kind
    if source_system not in SOURCES_FOR_KIND.get(kind, ()):
        allowed = ", ".join(sorted(SOURCES_FOR_KIND.get(kind, ())))
        raise InvalidInput(
            f"A {gallery.gallery.get_kind_display().lower()} gallery takes images from: {allowed}.",
            field="source_system",
        )
    if not isinstance(retention_review_due, date):
        raise InvalidInput("Give the date the image's retention is reviewed.", field="review_due")
    if retention_review_due < timezone.localdate():
        raise InvalidInput(
            "The retention review date has passed: review the image before adding it.",
            field="retention_review_due",
        )
    if not image:
        raise InvalidInput("Attach the image.", field="image")
    return record_id


def _require_new_image(gallery_id: int, image_sha: str) -> None:
    if ReferenceImage.objects.filter(
        gallery_id=gallery_id, image_sha256=image_sha, removed_at__isnull=True
    ).exists():
        raise DuplicateImage("This image is already in the gallery.", field="image")


def _added_event(by: User, image: ReferenceImage) -> None:
    record_event(
        actor=by,
        action="reference.image_added",
        subject=image,
        payload={
            "reference_image_id": image.pk,
            "reference_gallery_id": image.gallery_id,
            "source_system": image.source_system,
            "never_convicted": image.never_convicted,
            "searchable": image.enrolled_face_id is not None,
            "enrolment_id": image.enrolled_face_id,
            "retention_review_due": image.retention_review_due.isoformat(),
            "image_sha256": image.image_sha256,
        },
    )


def add_reference_image(
    *,
    gallery: ReferenceGallery,
    by: User,
    record_id: str,
    source_system: str,
    image: bytes,
    never_convicted: bool,
    retention_review_due: date,
    review_note: str = "",
    backend=None,
) -> ReferenceImage:
    """Add one lawfully held image. A person never convicted: the image is kept, unsearchable,
    until a review retains it. Otherwise its template is enrolled at once and the image dropped.
    Runs outside any transaction (the engine ledgers its refusals on their own)."""
    _require_manager(by, "add reference images")
    gallery = ReferenceGallery.objects.select_related("gallery").get(pk=gallery.pk)
    record_id = _check_new_image(
        gallery=gallery,
        record_id=record_id,
        source_system=source_system,
        image=image,
        retention_review_due=retention_review_due,
    )
    note = _note(review_note, required=False)
    image_sha = sha256(image)
    _require_new_image(gallery.pk, image_sha)
    fields = {
        "gallery": gallery,
        "record_id": record_id,
        "source_system": source_system,
        "image_sha256": image_sha,
        "never_convicted": bool(never_convicted),
        "retention_review_due": retention_review_due,
        "review_note": note,
        "added_by": by,
    }
    if never_convicted:
        return _hold_for_review(gallery=gallery, by=by, image=image, fields=fields, backend=backend)
    created: dict[str, ReferenceImage] = {}

    def on_enrolled(face: EnrolledFace) -> None:
        _require_new_image(gallery.pk, image_sha)  # again, under the gallery's lock
        created["image"] = ReferenceImage.objects.create(
            **fields, enrolled_face=face, added_at=timezone.now()
        )
        _added_event(by, created["image"])

    try:
        enrol_face(
            gallery=gallery.gallery,
            by=by,
            subject_ref=record_id,
            image=image,
            backend=backend,
            on_enrolled=on_enrolled,
        )
    except EngineInputError as error:
        raise ImageRefused(str(error), code=error.code) from None
    return created["image"]


def _hold_for_review(
    *, gallery: ReferenceGallery, by: User, image: bytes, fields: dict, backend
) -> ReferenceImage:
    """Keep a never-convicted person's image unsearchable: its face is checked now (so a
    later review to retain can enrol it) but no template is stored."""
    if not by.has_perm("biometric_engine.enrol_face"):
        raise NotPermitted("Only an administrator may add reference images.")
    backend = backend or engine_backend()
    if backend.model_version != gallery.gallery.model_version:
        raise GalleryOfAnotherModel(
            f"The gallery holds {gallery.gallery.model_version} templates; the engine runs "
            f"{backend.model_version}."
        )
    try:
        one_face_template(image, backend)  # the vector is dropped at once
    except EngineInputError as error:
        raise ImageRefused(str(error), code=error.code) from None
    with transaction.atomic():
        lock_gallery(gallery.gallery_id)
        _require_new_image(gallery.pk, fields["image_sha256"])
        path = store_file(
            f"watchlists/reference/{gallery.pk}/{fields['image_sha256']}.img", ContentFile(image)
        )
        try:
            held = ReferenceImage.objects.create(**fields, image=path, added_at=timezone.now())
            _added_event(by, held)
        except BaseException:
            default_storage.delete(path)
            raise
    return held


def _review_event(by: User, image: ReferenceImage, outcome: str) -> None:
    record_event(
        actor=by,
        action="reference.review_recorded",
        subject=image,
        payload={
            "reference_image_id": image.pk,
            "reference_gallery_id": image.gallery_id,
            "outcome": outcome,
            "never_convicted": image.never_convicted,
            "searchable": image.enrolled_face_id is not None,
            "enrolment_id": image.enrolled_face_id,
            "next_review_due": image.retention_review_due.isoformat(),
        },
    )


def _mark_reviewed(image: ReferenceImage, by: User, note: str, next_review_due: date | None):
    image.reviewed_at = timezone.now()
    image.reviewed_by = by
    image.review_note = note
    if next_review_due is not None:
        image.retention_review_due = next_review_due


def record_retention_review(
    *,
    image: ReferenceImage,
    by: User,
    outcome: str,
    note: str,
    next_review_due: date | None = None,
    backend=None,
) -> ReferenceImage:
    """Record a retention review. To retain: the image becomes (or stays) searchable; an image
    held for review has its template enrolled and its file deleted, in one transaction with the
    review. To delete: its template and file are deleted and it leaves the gallery."""
    _require_manager(by, "record a retention review")
    if outcome not in REVIEW_OUTCOMES:
        raise InvalidInput("Choose to retain or to delete the image.", field="outcome")
    note = _note(note, required=True)
    if next_review_due is not None and next_review_due <= timezone.localdate():
        raise InvalidInput("The next review is due on a date still to come.", field="next_due")
    image = ReferenceImage.objects.select_related("gallery__gallery").get(pk=image.pk)
    if image.removed_at is not None:
        raise WrongState("The image has been removed from the gallery: add it again instead.")
    if outcome == DELETE:
        return _delete_on_review(image=image, by=by, note=note)
    if image.enrolled_face_id is not None:
        return _retain_enrolled(image=image, by=by, note=note, next_review_due=next_review_due)
    if not image.image:
        raise WrongState("The image's file is no longer held: add it again instead.")
    with default_storage.open(image.image.name, "rb") as handle:
        data = handle.read()
    if sha256(data) != image.image_sha256:
        raise WrongState("The held file is not the image that was added; add it again.")
    reviewed: dict[str, ReferenceImage] = {}

    def on_enrolled(face: EnrolledFace) -> None:
        held = ReferenceImage.objects.select_for_update().get(pk=image.pk)
        if held.removed_at is not None or held.enrolled_face_id is not None:
            raise WrongState("The image was removed or reviewed meanwhile.")
        path = held.image.name
        _mark_reviewed(held, by, note, next_review_due)
        held.enrolled_face = face
        held.image = ""
        held.save()
        _review_event(by, held, RETAIN)
        transaction.on_commit(lambda: default_storage.delete(path))
        reviewed["image"] = held

    try:
        enrol_face(
            gallery=image.gallery.gallery,
            by=by,
            subject_ref=image.record_id,
            image=data,
            backend=backend,
            on_enrolled=on_enrolled,
        )
    except EngineInputError as error:
        raise ImageRefused(str(error), code=error.code) from None
    return reviewed["image"]


@transaction.atomic
def _retain_enrolled(
    *, image: ReferenceImage, by: User, note: str, next_review_due: date | None
) -> ReferenceImage:
    lock_gallery(image.gallery.gallery_id)
    image = ReferenceImage.objects.select_for_update().get(pk=image.pk)
    if image.removed_at is not None:
        raise WrongState("The image has been removed from the gallery: add it again instead.")
    _mark_reviewed(image, by, note, next_review_due)
    image.save()
    _review_event(by, image, RETAIN)
    return image


@transaction.atomic
def _delete_on_review(*, image: ReferenceImage, by: User, note: str) -> ReferenceImage:
    gallery = lock_gallery(image.gallery.gallery_id)
    image = ReferenceImage.objects.select_for_update().get(pk=image.pk)
    if image.removed_at is not None:
        raise WrongState("The image has been removed from the gallery already.")
    _mark_reviewed(image, by, note, None)
    image.save()
    _review_event(by, image, DELETE)
    return _remove_locked(image=image, gallery=gallery, by=by, reason=REVIEWED_DELETE)


def _remove_locked(
    *, image: ReferenceImage, gallery: Gallery, by: User | None, reason: str
) -> ReferenceImage:
    """Take the image out of its gallery (template and file), in the caller's transaction,
    the engine gallery and the image locked."""
    erased = None
    if image.enrolled_face_id is not None:
        erased = erase_templates(gallery=gallery, enrolment_ids=[image.enrolled_face_id])
    path = image.image.name if image.image else ""
    image.removed_at = timezone.now()
    image.removal_reason = reason
    image.enrolled_face = None
    image.image = ""
    image.save(update_fields=["removed_at", "removal_reason", "enrolled_face", "image"])
    if path:
        transaction.on_commit(lambda: default_storage.delete(path))
    record_event(
        actor=by,
        action="reference.image_removed",
        subject=image,
        payload={
            "reference_image_id": image.pk,
            "reference_gallery_id": image.gallery_id,
            "reason": reason,
            "templates_deleted": erased.templates if erased else 0,
            "templates_sha256": erased.templates_sha256 if erased else "",
            "image_files_deleted": 1 if path else 0,
            "image_sha256": image.image_sha256,
        },
    )
    return image


def overdue_reference_images(today: date | None = None):
    """Images still in a gallery whose review date has passed with no review since it was set
    (a review to retain with a next date sets a new one)."""
    today = today or timezone.localdate()
    return ReferenceImage.objects.filter(
        removed_at__isnull=True, retention_review_due__lt=today
    ).filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__date__lt=F("retention_review_due")))


@transaction.atomic
def remove_overdue_reference_image(*, image_id: int, today: date | None = None) -> bool:
    """Take one overdue image out of search (the system acting). Safe to run twice."""
    gallery_id = ReferenceImage.objects.values_list("gallery__gallery_id", flat=True).get(
        pk=image_id
    )
    gallery = lock_gallery(gallery_id)
    image = ReferenceImage.objects.select_for_update().get(pk=image_id)
    if not overdue_reference_images(today).filter(pk=image_id).exists():
        return False
    _remove_locked(image=image, gallery=gallery, by=None, reason=OVERDUE)
    return True


def remove_overdue_reference_images(*, today: date | None = None) -> dict:
    """The scheduled job: each overdue image removed in its own transaction; one failure is
    logged and does not stop the others."""
    removed, failed = [], []
    for pk in list(overdue_reference_images(today).values_list("pk", flat=True)):
        try:
            if remove_overdue_reference_image(image_id=pk, today=today):
                removed.append(pk)
        except Exception:
            logger.exception("Could not remove overdue reference image %s", pk)
            failed.append(pk)
    return {"removed": removed, "failed": failed}
