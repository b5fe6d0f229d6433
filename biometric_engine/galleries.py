"""A gallery's life in the engine: created, sealed at a revision until a time, unsealed, erased.

These run inside the calling service's transaction (the watchlist's sign-off, its deletion
job), which writes the ledger event: the engine keeps the state, the caller says why.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F

from biometric_engine import indexes
from biometric_engine.models import EnrolledFace, Gallery
from common.errors import WrongState


def create_gallery(*, name: str, kind: str, model_version: str) -> Gallery:
    return Gallery.objects.create(name=name[:200], kind=kind, model_version=model_version)


def lock_gallery(gallery_id: int) -> Gallery:
    """Re-read the gallery under its row lock (enrolments queue on it)."""
    return Gallery.objects.select_for_update().get(pk=gallery_id)


def seal_gallery(*, gallery: Gallery, until: datetime, now: datetime) -> Gallery:
    """Seal the gallery at its current revision until ``until``: searchable as it stands now."""
    if until <= now:
        raise WrongState("A gallery is sealed only until a time still to come.")
    Gallery.objects.filter(pk=gallery.pk).update(
        sealed_at=now, sealed_revision=F("revision"), sealed_until=until
    )
    gallery.refresh_from_db()
    return gallery


def unseal_gallery(*, gallery: Gallery) -> Gallery:
    """Break the seal: the gate refuses searches until the gallery is sealed again."""
    Gallery.objects.filter(pk=gallery.pk).update(
        sealed_at=None, sealed_revision=None, sealed_until=None
    )
    gallery.refresh_from_db()
    return gallery


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed, for its attestation: how many templates, and a digest of them
    (SHA-256 over each template's id and bytes, in id order) that proves which."""

    templates: int
    templates_sha256: str
    enrolment_ids: tuple[int, ...]


def erase_templates(*, gallery: Gallery, enrolment_ids: list[int] | None = None) -> Erasure:
    """Delete templates (all of the gallery's, or the ids given), unseal the gallery and drop
    the cached index at commit. Caller holds the gallery's lock."""
    before = Gallery.objects.values_list("revision", flat=True).get(pk=gallery.pk)
    faces = EnrolledFace.objects.filter(gallery=gallery)
    if enrolment_ids is not None:
        faces = faces.filter(pk__in=enrolment_ids)
    digest = hashlib.sha256()
    ids = []
    for pk, template in faces.order_by("pk").values_list("pk", "template"):
        digest.update(pk.to_bytes(8, "big"))
        digest.update(bytes(template))
        ids.append(pk)
    EnrolledFace.objects.filter(pk__in=ids).delete()
    Gallery.objects.filter(pk=gallery.pk).update(revision=F("revision") + 1)
    unseal_gallery(gallery=gallery)
    indexes.apply_on_commit(gallery.pk, from_revision=before, remove=ids)
    return Erasure(
        templates=len(ids), templates_sha256=digest.hexdigest(), enrolment_ids=tuple(ids)
    )
