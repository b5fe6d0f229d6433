"""Which galleries an authority may reach: by mode, and a watchlist only its own.

``bind_watchlist_gallery`` runs inside the watchlist service's transaction when a watchlist is
created; the binding never changes afterwards, so a scope minted for it stays true.
"""

from authority.models import Application, Mode
from biometric_engine.models import Gallery, GalleryKind
from common.errors import WrongState
from gate.models import BoundGallery

# Which galleries each mode may search (DOMAIN: OIFR searches custody and missing persons only).
GALLERY_KINDS_FOR_MODE: dict[str, frozenset[str]] = {
    Mode.LFR: frozenset({GalleryKind.WATCHLIST}),
    Mode.RFR: frozenset({GalleryKind.CUSTODY}),
    Mode.OIFR: frozenset({GalleryKind.CUSTODY, GalleryKind.MISSING_PERSONS}),
}


def bind_watchlist_gallery(*, application: Application, gallery: Gallery) -> BoundGallery:
    """Bind a new watchlist gallery to its LFR authority (in the caller's transaction)."""
    if gallery.kind != GalleryKind.WATCHLIST:
        raise WrongState("Only a watchlist's gallery is bound to an authority.")
    if application.mode != Mode.LFR:
        raise WrongState("A watchlist is composed only under a live facial recognition authority.")
    if BoundGallery.objects.filter(gallery=gallery).exists():
        raise WrongState("This gallery is already bound to an authority.")
    return BoundGallery.objects.create(gallery=gallery, authority=application)


def bound_authority_id(gallery: Gallery) -> int | None:
    return (
        BoundGallery.objects.filter(gallery=gallery).values_list("authority_id", flat=True).first()
    )
