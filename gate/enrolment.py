"""Enrolling a face into an authority's watchlist: through the gate, under an enrolment scope.

The image is read, its one face detected, checked for quality and embedded only after the
scope is checked; the template is stored after a second check under the gallery's row lock,
so a sign-off racing the enrolment wins. The image itself is never stored by the engine.

What may go on the list (categories, size, timing, duplicates) is the watchlist's rule, not the
gate's: the caller's ``on_enrolled`` hook runs in the storing transaction, so its entry commits
with the template and the ``engine.face_enrolled`` event, or none of them does.
"""

from collections.abc import Callable
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from authority.models import User
from biometric_engine import services
from biometric_engine.core.backends import FaceBackend
from biometric_engine.engine import engine_backend, one_face_template
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from gate.checks import (
    EngineRefused,
    ledger_refusal,
    read_checked_state,
    refuse,
    require_engine_model,
    require_outside_transaction,
)
from gate.scope import ENROL, AuthorityScope
from gate.search import engine_event, ledgered_input

REFUSED = "engine.enrolment_refused"

# Called with the stored template, its vector and quality, under the gallery's lock.
EnrolledHook = Callable[[EnrolledFace, np.ndarray, float], object]


def check_enrolment_scope(
    scope: AuthorityScope | None,
    *,
    gallery_id: int,
    now: datetime,
    holder_id: int | None,
    lock: bool = False,
) -> None:
    """Every reason a face must not be enrolled into this watchlist now."""
    state = read_checked_state(
        scope, purpose=ENROL, gallery_id=gallery_id, holder_id=holder_id, now=now, lock=lock
    )
    start, end = scope.window
    if not (start <= now < end) or (state.valid_until and now >= state.valid_until):
        raise refuse("outside_window", "The enrolment scope's window is not open now.")
    if (
        scope.gallery_id != gallery_id
        or state.gallery_kind != GalleryKind.WATCHLIST
        or state.gallery_authority_id != scope.authority_id
    ):
        raise refuse("wrong_gallery", "Faces are enrolled only into the authority's watchlist.")
    if state.gallery_model_version != scope.model_version:
        raise refuse("wrong_model", "The watchlist holds another model's templates.")
    if state.sealed_at is not None:
        raise refuse("watchlist_frozen", "The watchlist is signed off; it cannot change now.")


class _CallerFailed(Exception):
    """The caller's hook raised: carried out of the storing transaction."""


def enrol_watchlist_face(
    *,
    scope: AuthorityScope | None,
    gallery_id: int,
    by: User | None,
    subject_ref: str,
    image: bytes,
    backend: FaceBackend | None = None,
    on_enrolled: EnrolledHook | None = None,
    min_quality: float | None = None,
) -> EnrolledFace:
    """Enrol the one face in a lawfully held image into the scope's watchlist."""
    require_outside_transaction()
    subject_ref = services.clean_subject_ref(subject_ref)
    backend = backend or engine_backend()
    holder_id = by.pk if by is not None else None
    try:
        check_enrolment_scope(scope, gallery_id=gallery_id, now=timezone.now(), holder_id=holder_id)
        require_engine_model(scope, backend.model_version)
    except EngineRefused as refusal:
        ledger_refusal(scope, by, gallery_id, None, refusal, action=REFUSED)
        raise
    with ledgered_input(scope, by, gallery_id, None, action="engine.enrolment_rejected"):
        template, quality = one_face_template(image, backend, min_quality=min_quality)
    try:
        with transaction.atomic():
            gallery = Gallery.objects.select_for_update().get(pk=gallery_id)
            check_enrolment_scope(
                scope, gallery_id=gallery_id, now=timezone.now(), holder_id=holder_id, lock=True
            )
            face = services.store_template(
                gallery=gallery,
                by=by,
                role=scope.role,
                subject_ref=subject_ref,
                template=template,
                quality=quality,
            )
            if on_enrolled is not None:
                try:
                    on_enrolled(face, template, quality)
                except Exception as error:
                    raise _CallerFailed(error) from error
            return face
    except EngineRefused as refusal:
        ledger_refusal(scope, by, gallery_id, None, refusal, action=REFUSED)
        raise
    except _CallerFailed as failed:
        # The template and the caller's rows rolled back together; the ledger still says a
        # face was read under the scope and its caller refused it.
        with transaction.atomic():
            engine_event(
                scope,
                by,
                "engine.caller_failed",
                {"gallery_id": gallery_id, "error": type(failed.__cause__).__name__},
                None,
            )
        raise failed.__cause__ from None
