"""Enrolling a face into an authority's watchlist: through the gate, under an enrolment scope.

The image is read, its one face detected, checked for quality and embedded only after the
scope is checked; the template is stored after a second check under the watchlist's row lock,
so a sign-off racing the enrolment wins. The image itself is never stored.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from authority.models import Decision, User
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
from gate.search import ledgered_input

REFUSED = "engine.enrolment_refused"


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
    if not (start <= now < end):
        raise refuse(
            "outside_window",
            "A watchlist is composed from 24 hours before the authorised window until it ends.",
        )
    if (
        scope.gallery_id != gallery_id
        or state.gallery_kind != GalleryKind.WATCHLIST
        or state.gallery_authority_id != scope.authority_id
    ):
        raise refuse("wrong_gallery", "Faces are enrolled only into the authority's watchlist.")
    if state.gallery_model_version != scope.model_version:
        raise refuse("wrong_model", "The watchlist holds another model's templates.")
    if state.signed_off_at is not None:
        raise refuse("watchlist_frozen", "The watchlist is signed off; it cannot change now.")


def _require_room(scope: AuthorityScope, gallery_id: int) -> None:
    """Never more faces than the decision authorised (counted under the watchlist's lock)."""
    maximum = (
        Decision.objects.filter(pk=scope.decision_id)
        .values_list("max_watchlist_size", flat=True)
        .first()
    )
    if (
        maximum is not None
        and EnrolledFace.objects.filter(gallery_id=gallery_id).count() >= maximum
    ):
        raise refuse(
            "watchlist_full", f"The watchlist already holds the authorised maximum of {maximum}."
        )


def enrol_watchlist_face(
    *,
    scope: AuthorityScope | None,
    gallery_id: int,
    by: User | None,
    subject_ref: str,
    image: bytes,
    backend: FaceBackend | None = None,
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
        template, quality = one_face_template(image, backend)
    try:
        with transaction.atomic():
            gallery = Gallery.objects.select_for_update().get(pk=gallery_id)
            check_enrolment_scope(
                scope, gallery_id=gallery_id, now=timezone.now(), holder_id=holder_id, lock=True
            )
            _require_room(scope, gallery_id)
            return services.store_template(
                gallery=gallery,
                by=by,
                role=scope.role,
                subject_ref=subject_ref,
                template=template,
                quality=quality,
            )
    except EngineRefused as refusal:
        ledger_refusal(scope, by, gallery_id, None, refusal, action=REFUSED)
        raise
