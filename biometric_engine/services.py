"""Writes to the engine's tables: enrolling and removing face templates, and recording
equitability reports (each with its ledger event).

The enrolment image is read, embedded and dropped: only the template and the source record id
are stored. Index and database change together: the gallery's revision is bumped in the same
transaction, so the next search rebuilds its index from the rows.
"""

import hashlib
import json
import math
from decimal import ROUND_CEILING, Decimal

import numpy as np
from django.db import transaction
from django.db.models import F

from biometric_engine import indexes
from biometric_engine.core.backends import FaceBackend
from biometric_engine.core.errors import EngineInputError
from biometric_engine.core.identification import (
    minimum_equitable_threshold,
    significant_differences,
)
from biometric_engine.engine import engine_backend, one_face_template
from biometric_engine.models import EnrolledFace, EquitabilityReport, Gallery, GalleryKind
from common.errors import InvalidInput, NotPermitted, WrongState
from oversight.ledger import record_event

ENROLMENT_REFUSED = "engine.enrolment_refused"
ENROLMENT_REJECTED = "engine.enrolment_rejected"


class NotAStandingGallery(WrongState):
    code = "wrong_gallery"


class GalleryOfAnotherModel(WrongState):
    code = "wrong_model"


def enrol_face(
    *, gallery: Gallery, by, subject_ref: str, image: bytes, backend: FaceBackend | None = None
) -> EnrolledFace:
    """Enrol one lawfully held image's face into a standing gallery (custody, missing persons).

    A watchlist is bespoke to an authority: its faces go through the gate under an enrolment
    scope (``gate.enrolment.enrol_watchlist_face``), never through here.

    As for a watchlist, a refused enrolment (who, which gallery, which model) is ledgered as
    ``engine.enrolment_refused`` and one whose image or face the engine refuses as
    ``engine.enrolment_rejected``, each committed on its own after the enrolment rolled back:
    call this outside any open transaction, or the caller's rollback takes the record with it.
    """
    try:
        return _enrol_standing_face(
            gallery=gallery, by=by, subject_ref=subject_ref, image=image, backend=backend
        )
    except (NotPermitted, WrongState) as refusal:
        _ledger_failed_enrolment(ENROLMENT_REFUSED, gallery=gallery, by=by, reason=refusal.code)
        raise
    except EngineInputError as error:
        _ledger_failed_enrolment(ENROLMENT_REJECTED, gallery=gallery, by=by, reason=error.code)
        raise


@transaction.atomic
def _enrol_standing_face(
    *, gallery: Gallery, by, subject_ref: str, image: bytes, backend: FaceBackend | None
) -> EnrolledFace:
    if not by.has_perm("biometric_engine.enrol_face"):
        raise NotPermitted("Only a watchlist officer or an administrator may enrol faces.")
    subject_ref = clean_subject_ref(subject_ref)
    gallery = Gallery.objects.select_for_update().get(pk=gallery.pk)
    if gallery.kind == GalleryKind.WATCHLIST:
        raise NotAStandingGallery(
            "A watchlist's faces are enrolled under its authority's enrolment scope."
        )
    backend = backend or engine_backend()
    if backend.model_version != gallery.model_version:
        raise GalleryOfAnotherModel(
            f"The gallery holds {gallery.model_version} templates; the engine runs "
            f"{backend.model_version}."
        )
    template, quality = one_face_template(image, backend)
    return store_template(
        gallery=gallery,
        by=by,
        role=None,
        subject_ref=subject_ref,
        template=template,
        quality=quality,
    )


def _ledger_failed_enrolment(action: str, *, gallery: Gallery, by, reason: str) -> None:
    # Its own transaction, after the enrolment's has rolled back (as the gate does).
    actor = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        record_event(
            actor=actor,
            action=action,
            subject=gallery,
            payload={"reason": reason, "gallery_id": gallery.pk, "gallery_kind": gallery.kind},
        )


def clean_subject_ref(value: str) -> str:
    """The image's record id in its source system: required, and short enough to store."""
    value = (value or "").strip()
    limit = EnrolledFace._meta.get_field("subject_ref").max_length
    if not value:
        raise InvalidInput("Give the image's record id in its source system.", field="subject_ref")
    if len(value) > limit:
        raise InvalidInput(
            f"A record id has at most {limit} characters; this one has {len(value)}.",
            field="subject_ref",
        )
    return value


def store_template(
    *,
    gallery: Gallery,
    by,
    role: str | None,
    subject_ref: str,
    template: np.ndarray,
    quality: float,
) -> EnrolledFace:
    """Store a template with its ledger event, in the caller's transaction (gallery locked).

    The gallery's revision moves with it, so the next search sees the face.
    """
    enrolled = EnrolledFace.objects.create(
        gallery=gallery, subject_ref=subject_ref, template=template.tobytes(), quality=quality
    )
    Gallery.objects.filter(pk=gallery.pk).update(revision=F("revision") + 1)
    indexes.apply_on_commit(
        gallery.pk, from_revision=gallery.revision, add=([enrolled.pk], template.reshape(1, -1))
    )
    record_event(
        actor=by,
        role=role,
        action="engine.face_enrolled",
        subject=gallery,
        payload={"enrolment_id": enrolled.pk, "quality": round(quality, 3)},
    )
    return enrolled


@transaction.atomic
def remove_face(*, face: EnrolledFace, by) -> None:
    """Delete a template from the database and, at commit, from this process's index."""
    if not by.has_perm("biometric_engine.enrol_face"):
        raise NotPermitted("Only a watchlist officer or an administrator may remove faces.")
    gallery = Gallery.objects.select_for_update().get(pk=face.gallery_id)
    face_id = face.pk
    EnrolledFace.objects.filter(pk=face_id).delete()
    Gallery.objects.filter(pk=gallery.pk).update(revision=F("revision") + 1)
    indexes.apply_on_commit(gallery.pk, from_revision=gallery.revision, remove=[face_id])
    record_event(
        actor=by, action="engine.face_removed", subject=gallery, payload={"enrolment_id": face_id}
    )


THRESHOLD_PLACES = Decimal("0.001")  # an authority's threshold has three decimal places


@transaction.atomic
def record_equitability_report(*, report: dict, by=None, dataset: str = "") -> EquitabilityReport:
    """Store an equitability report (``core.identification.evaluate_identification``'s output) with
    the minimum threshold derived from it, and write ``engine.equitability_reported``.

    ``by`` is None when the system records it (the command line); a named user needs the
    ``add_equitabilityreport`` permission. The minimum threshold is re-derived here from the
    report's per-group counts, so a report claiming a lower one than its counts support is
    refused rather than stored.
    """
    if by is not None and not by.has_perm("biometric_engine.add_equitabilityreport"):
        raise NotPermitted("Only an administrator may record an equitability report.")
    model_version, thresholds, minimum = _checked_report(report)
    dataset = dataset.strip() or _describe(report)
    if len(dataset) > EquitabilityReport._meta.get_field("dataset").max_length:
        raise InvalidInput("Describe the dataset in 300 characters or fewer.", field="dataset")
    stored = EquitabilityReport.objects.create(
        model_version=model_version,
        dataset=dataset,
        thresholds=thresholds,
        minimum_threshold=_as_threshold(minimum),
        group_count=len(report.get("groups") or {}),
        report=report,
        created_by=by,
    )
    searches = report["searches"]
    record_event(
        actor=by,
        action="engine.equitability_reported",
        subject=stored,
        payload={
            "report_id": stored.pk,
            "model_version": model_version,
            "minimum_threshold": stored.minimum_threshold,
            "threshold_count": len(thresholds),
            "group_count": len(report.get("groups") or {}),
            "watchlist_size": int(report.get("watchlist_size") or 0),
            "mated_searches": int(searches["mated"]),
            "non_mated_searches": int(searches["non_mated"]),
            "report_sha256": hashlib.sha256(_canonical(report).encode()).hexdigest(),
        },
    )
    return stored


def _canonical(report: dict) -> str:
    try:
        return json.dumps(report, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"The report is not plain JSON ({error}).", field="report") from None


def _checked_report(report: dict) -> tuple[str, list[float], float | None]:
    """The model version, the thresholds and the derived minimum threshold, or InvalidInput."""
    if not isinstance(report, dict):
        raise InvalidInput("An equitability report is a JSON object.", field="report")
    _canonical(report)
    model_version = report.get("model")
    if not isinstance(model_version, str) or not model_version.strip():
        raise InvalidInput("The report does not name its model version.", field="report")
    if len(model_version) > EquitabilityReport._meta.get_field("model_version").max_length:
        raise InvalidInput("The report's model version is too long.", field="report")
    thresholds = report.get("thresholds")
    if (
        not isinstance(thresholds, list)
        or not thresholds
        or not all(_is_score(t) for t in thresholds)
        or thresholds != sorted(set(thresholds))
    ):
        raise InvalidInput(
            "The report's thresholds must be distinct scores between 0 and 1, ascending.",
            field="report",
        )
    try:
        searches = int(report["searches"]["mated"]) + int(report["searches"]["non_mated"])
        overall = report["overall"]
        groups = report.get("groups") or {}
        by_group = {name: group["by_threshold"] for name, group in groups.items()}
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            "The report lacks its searches, overall rates or group rates.", field="report"
        ) from None
    if searches <= 0:
        raise InvalidInput(
            "The report holds no searches: enrol people with two or more images.",
            field="report",
        )
    rows = [overall, *by_group.values()]
    if any([row.get("threshold") for row in block] != thresholds for block in rows):
        raise InvalidInput("Every block of rates must give one row per threshold.", field="report")
    try:
        minimum = (
            minimum_equitable_threshold(significant_differences(by_group)) if by_group else None
        )
    except (KeyError, TypeError):
        raise InvalidInput("The report's group rates lack their counts.", field="report") from None
    if report.get("minimum_threshold") != minimum:
        raise InvalidInput(
            f"The report gives a minimum threshold of {report.get('minimum_threshold')}, but its "
            f"group counts support {minimum}.",
            field="report",
        )
    return model_version.strip(), thresholds, minimum


def _is_score(value) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0.0 <= value <= 1.0
    )


def _as_threshold(value: float | None) -> Decimal | None:
    # Rounded up, never down: the stored minimum may not admit a score the report did not.
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(THRESHOLD_PLACES, rounding=ROUND_CEILING)


def _describe(report: dict) -> str:
    searches = report["searches"]
    groups = report.get("groups") or {}
    return (
        f"Watchlist of {report.get('watchlist_size', 0)}, {searches['mated']} mated and "
        f"{searches['non_mated']} non-mated searches"
        + (f", {len(groups)} groups" if groups else ", no groups")
    )
