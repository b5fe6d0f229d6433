"""Writes to the engine's tables: enrolling and removing face templates (with ledger events).

The enrolment image is read, embedded and dropped: only the template and the source record id
are stored. Index and database change together: the gallery's revision is bumped in the same
transaction, so the next search rebuilds its index from the rows.
"""

import numpy as np
from django.db import transaction
from django.db.models import F

from biometric_engine.core.backends import FaceBackend
from biometric_engine.core.images import load_image
from biometric_engine.core.quality import require_one_searchable_face
from biometric_engine.engine import engine_backend, engine_limits, probe_rules
from biometric_engine.models import EnrolledFace, Gallery
from common.errors import InvalidInput, NotPermitted, WrongState
from oversight.ledger import record_event


@transaction.atomic
def enrol_face(
    *, gallery: Gallery, by, subject_ref: str, image: bytes, backend: FaceBackend | None = None
) -> EnrolledFace:
    """Enrol one lawfully held image's face; refused for a signed-off (frozen) watchlist."""
    if not by.has_perm("biometric_engine.enrol_face"):
        raise NotPermitted("Only a watchlist officer or an administrator may enrol faces.")
    if not subject_ref.strip():
        raise InvalidInput("Give the image's record id in its source system.", field="subject_ref")
    gallery = Gallery.objects.select_for_update().get(pk=gallery.pk)
    if gallery.signed_off_at is not None:
        raise WrongState("The watchlist is signed off; it cannot change now.")
    backend = backend or engine_backend()
    if backend.model_version != gallery.model_version:
        raise WrongState(
            f"The gallery holds {gallery.model_version} templates; the engine runs "
            f"{backend.model_version}."
        )
    rgb = load_image(image, limits=engine_limits())
    face, quality = require_one_searchable_face(rgb, backend.detect(rgb), **probe_rules())
    template = np.asarray(backend.embed(rgb, face), dtype=np.float32).reshape(-1)
    enrolled = EnrolledFace.objects.create(
        gallery=gallery,
        subject_ref=subject_ref.strip(),
        template=template.tobytes(),
        quality=quality.score,
    )
    Gallery.objects.filter(pk=gallery.pk).update(revision=F("revision") + 1)
    record_event(
        actor=by,
        action="engine.face_enrolled",
        subject=gallery,
        payload={"enrolment_id": enrolled.pk, "quality": round(quality.score, 3)},
    )
    return enrolled


@transaction.atomic
def remove_face(*, face: EnrolledFace, by) -> None:
    """Delete a template from the database; the index drops it at its next rebuild."""
    if not by.has_perm("biometric_engine.enrol_face"):
        raise NotPermitted("Only a watchlist officer or an administrator may remove faces.")
    gallery = Gallery.objects.select_for_update().get(pk=face.gallery_id)
    face_id = face.pk
    EnrolledFace.objects.filter(pk=face_id).delete()
    Gallery.objects.filter(pk=gallery.pk).update(revision=F("revision") + 1)
    record_event(
        actor=by, action="engine.face_removed", subject=gallery, payload={"enrolment_id": face_id}
    )
