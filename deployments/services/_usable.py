"""What RFR searches and OIFR checks share: an authority usable now, the officer who may use it,
and the reference galleries each mode searches."""

import hashlib

from django.utils import timezone

from authority.models import LIVE_STATUSES, Application, User
from biometric_engine.models import GalleryKind
from common.roles import Role
from deployments.search_errors import AuthorityNotUsable, NoReferenceGallery
from watchlists.models import ReferenceGallery, ReferenceImage


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def require_usable_authority(application: Application, mode: str, what: str) -> None:
    """The authority is of ``mode``, authorised (or urgently authorised), not halted, and its
    window is open now. The gate checks all of it again at the engine call."""
    if application.mode != mode:
        raise AuthorityNotUsable(
            f"{what} runs only under a {mode.upper()} authority; "
            f"{application.reference} is {application.get_mode_display()}."
        )
    if application.status not in LIVE_STATUSES:
        raise AuthorityNotUsable(
            f"{application.reference} is {application.get_status_display().lower()}: "
            f"{what} runs only under a live authority."
        )
    if application.halted_at is not None:
        raise AuthorityNotUsable(f"The engine is halted under {application.reference}.")
    now = timezone.now()
    if not (
        application.valid_from
        and application.valid_until
        and application.valid_from <= now < application.valid_until
    ):
        raise AuthorityNotUsable(f"{application.reference}'s authorised window is not open now.")


def is_investigator(user: User, permission: str) -> bool:
    return bool(user.is_active and user.has_role(Role.INVESTIGATOR) and user.has_perm(permission))


def reference_galleries(kinds) -> list[ReferenceGallery]:
    return list(
        ReferenceGallery.objects.select_related("gallery")
        .filter(gallery__kind__in=list(kinds))
        .order_by("pk")
    )


def default_custody_gallery() -> ReferenceGallery:
    galleries = reference_galleries([GalleryKind.CUSTODY])
    if not galleries:
        raise NoReferenceGallery("There is no custody image gallery to search.")
    return galleries[0]


def reference_images_for(face_ids) -> dict[int, ReferenceImage]:
    """The reference image behind each enrolled face (its provenance), by face id."""
    return {
        image.enrolled_face_id: image
        for image in ReferenceImage.objects.filter(enrolled_face_id__in=list(face_ids))
    }
