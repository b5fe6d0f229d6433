"""Writes to the engine's tables: enrolling and removing face templates, and recording
equitability reports (each with its ledger event).

The enrolment image is read, embedded and dropped: only the template and the source record id
are stored. Index and database change together: the gallery's revision is bumped in the same
transaction, so the next search rebuilds its index from the rows.
"""

import hashlib
import json
import logging
import math
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from biometric_engine import indexes
from biometric_engine.core.backends import FaceBackend
from biometric_engine.core.equity import EquityRule, assess_report, decides, derive_floor
from biometric_engine.core.errors import EngineInputError
from biometric_engine.core.identification import REPORT_VERSION, evaluate_identification
from biometric_engine.engine import engine_backend, equity_rule, one_face_template
from biometric_engine.models import EnrolledFace, EquitabilityReport, Gallery, GalleryKind
from common.errors import InvalidInput, NotPermitted, WrongState
from oversight.ledger import record_event

logger = logging.getLogger(__name__)

ENROLMENT_REFUSED = "engine.enrolment_refused"
ENROLMENT_REJECTED = "engine.enrolment_rejected"


class NotAStandingGallery(WrongState):
    code = "wrong_gallery"


class GalleryOfAnotherModel(WrongState):
    code = "wrong_model"


def enrol_face(
    *,
    gallery: Gallery,
    by,
    subject_ref: str,
    image: bytes,
    backend: FaceBackend | None = None,
    on_enrolled: Callable[[EnrolledFace], None] | None = None,
) -> EnrolledFace:
    """Enrol one lawfully held image's face into a standing gallery (custody, missing persons).

    A watchlist is bespoke to an authority: its faces go through the gate under an enrolment
    scope (``gate.enrolment.enrol_watchlist_face``), never through here.

    As for a watchlist, a refused enrolment (who, which gallery, which model) is ledgered as
    ``engine.enrolment_refused`` and one whose image or face the engine refuses as
    ``engine.enrolment_rejected``, each committed on its own after the enrolment rolled back:
    call this outside any open transaction, or the caller's rollback takes the record with it.

    ``on_enrolled(face)`` runs in the enrolment's transaction, under the gallery's lock, after
    the template is stored: the caller's own rows (a reference image's provenance and review)
    commit with the template or not at all, as the gate's hook does for a watchlist entry. A
    refusal it raises (NotPermitted, WrongState) is ledgered as any other.
    """
    try:
        return _enrol_standing_face(
            gallery=gallery,
            by=by,
            subject_ref=subject_ref,
            image=image,
            backend=backend,
            on_enrolled=on_enrolled,
        )
    except (NotPermitted, WrongState) as refusal:
        _ledger_failed_enrolment(ENROLMENT_REFUSED, gallery=gallery, by=by, reason=refusal.code)
        raise
    except EngineInputError as error:
        _ledger_failed_enrolment(ENROLMENT_REJECTED, gallery=gallery, by=by, reason=error.code)
        raise


@transaction.atomic
def _enrol_standing_face(
    *,
    gallery: Gallery,
    by,
    subject_ref: str,
    image: bytes,
    backend: FaceBackend | None,
    on_enrolled: Callable[[EnrolledFace], None] | None = None,
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
    face = store_template(
        gallery=gallery,
        by=by,
        role=None,
        subject_ref=subject_ref,
        template=template,
        quality=quality,
    )
    if on_enrolled is not None:
        on_enrolled(face)
    return face


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

    ``by`` is None when the system records it (the command line, the scheduled re-run); a
    named user needs the ``add_equitabilityreport`` permission. The minimum threshold, each
    grouping's floor, reason and thin groups, and which groupings decided or were undecided
    (``floor_derivation``) are re-derived here from the report's per-group counts under the
    rule the report states, so a report claiming other than its counts support (a lower floor,
    a thin group left out) is refused rather than stored; so is a report whose stated rule is
    less strict than the configured one (WA_EQUITY_*), and one made under a superseded rule
    (``protocol.version`` other than ``REPORT_VERSION``, 3).
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
        group_count=_group_count(report),
        report_version=REPORT_VERSION,
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
            "group_count": _group_count(report),
            "groupings": {
                name: {
                    "floor": grouping["assessment"]["floor"],
                    "decides": decides(grouping["assessment"]),
                    "not_enough_data": len(grouping["assessment"]["not_enough_data"]),
                }
                for name, grouping in report["groupings"].items()
            },
            "undecided_groupings": [u["grouping"] for u in report["floor_derivation"]["undecided"]],
            "fnir_first_threshold": report["fnir_finding"]["first_threshold"],
            "rule": {k: v for k, v in report["protocol"]["equity_rule"].items() if k != "text"},
            "watchlist_size": int(report.get("watchlist_size") or 0),
            "mated_searches": int(searches["mated"]),
            "non_mated_searches": int(searches["non_mated"]),
            "report_sha256": report_sha256(report),
        },
    )
    return stored


def report_sha256(report: dict) -> str:
    """The SHA-256 of the report's canonical JSON (sorted keys, no spaces), as ledgered."""
    return hashlib.sha256(_canonical(report).encode()).hexdigest()


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
    protocol = report.get("protocol")
    if not isinstance(protocol, dict) or protocol.get("version") != REPORT_VERSION:
        raise InvalidInput(
            f"The report was made under a superseded rule (protocol version "
            f"{protocol.get('version') if isinstance(protocol, dict) else None}, not "
            f"{REPORT_VERSION}): run equitability_report again to measure it under the "
            "current one.",
            field="report",
        )
    try:
        rule = EquityRule.from_dict(protocol["equity_rule"])
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"The report's equitability rule is not valid ({error}).") from None
    configured = equity_rule()
    if not rule.at_least_as_strict_as(configured):
        raise InvalidInput(
            f"The report's rule ({rule.name}, tolerance {rule.tolerance:g}, confidence "
            f"{rule.confidence:g}, at least {rule.min_searches} searches) is less strict than the "
            f"configured one ({configured.name}, {configured.tolerance:g}, "
            f"{configured.confidence:g}, {configured.min_searches}).",
            field="report",
        )
    try:
        searches = int(report["searches"]["mated"]) + int(report["searches"]["non_mated"])
        overall = report["overall"]
        groupings = report["groupings"]
        blocks = [
            group["by_threshold"]
            for grouping in groupings.values()
            for group in grouping["groups"].values()
        ]
        report["fnir_finding"]["first_threshold"]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidInput(
            "The report lacks its searches, overall rates, groupings or FNIR finding.",
            field="report",
        ) from None
    if searches <= 0:
        raise InvalidInput(
            "The report holds no searches: enrol people with two or more images.",
            field="report",
        )
    if any([row.get("threshold") for row in block] != thresholds for block in [overall, *blocks]):
        raise InvalidInput("Every block of rates must give one row per threshold.", field="report")
    try:
        assessments = assess_report(report, rule)
    except (KeyError, TypeError, IndexError):
        raise InvalidInput("The report's group rates lack their counts.", field="report") from None
    derivation = derive_floor(assessments)
    minimum = derivation.pop("minimum_threshold")
    if report.get("minimum_threshold") != minimum:
        raise InvalidInput(
            f"The report gives a minimum threshold of {report.get('minimum_threshold')}, but its "
            f"group counts support {minimum}.",
            field="report",
        )
    _check_stated_derivation(report, assessments, derivation)
    provenance = report.get("provenance")
    if provenance is not None and not isinstance(provenance, dict):
        raise InvalidInput("The report's provenance is a JSON object.", field="report")
    return model_version.strip(), thresholds, minimum


# What the pages and the ledger read from a grouping's stated assessment (with each
# threshold's equitable mark): each must be what its counts give, so no thin group or
# undecided grouping can be left out of what is shown.
_STATED_KEYS = ("floor", "no_floor_reason", "not_enough_data", "searches_needed", "groups")


def _check_stated_derivation(report: dict, assessments: dict, derivation: dict) -> None:
    for name, assessment in assessments.items():
        stated = report["groupings"][name].get("assessment")
        if (
            not isinstance(stated, dict)
            or any(stated.get(key) != assessment[key] for key in _STATED_KEYS)
            or not isinstance(stated.get("by_threshold"), list)
            or [r.get("equitable") if isinstance(r, dict) else None for r in stated["by_threshold"]]
            != [row["equitable"] for row in assessment["by_threshold"]]
        ):
            raise InvalidInput(
                f"The report's assessment of the grouping {name} (its floor, reason, or groups "
                "with too little data) is not what its group counts give.",
                field="report",
            )
    if report.get("floor_derivation") != derivation:
        raise InvalidInput(
            "The report's floor derivation (which groupings decided, which were undecided and "
            "why) is not what its group counts give.",
            field="report",
        )


def _group_count(report: dict) -> int:
    """Groups compared across the report's groupings (0: an accuracy report, no floor)."""
    return sum(len(g["groups"]) for g in (report.get("groupings") or {}).values())


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
    groupings = report.get("groupings") or {}
    text = (
        f"Watchlist of {report.get('watchlist_size', 0)}, {searches['mated']} mated and "
        f"{searches['non_mated']} non-mated searches"
    )
    if not groupings:
        return text + ", no groups"
    return (
        text
        + ", groupings "
        + ", ".join(f"{name} ({len(g['groups'])} groups)" for name, g in groupings.items())
    )


def rerun_configured_equitability_report(*, now=None) -> EquitabilityReport | None:
    """The continuing equality duty: measure the configured labelled evaluation set
    (WA_EQUITY_EVAL_IMAGES, WA_EQUITY_EVAL_GROUPS) with the engine's backend under the
    configured rule and store the report with its ledger event, as the system.

    None, logged, when no set is configured, or when this model already has a report younger
    than half the re-run period (a repeated or redelivered run stores nothing twice). The
    measuring runs outside any transaction; only the storing is atomic.
    """
    images, group_files = settings.WA_EQUITY_EVAL_IMAGES, list(settings.WA_EQUITY_EVAL_GROUPS)
    if not images or not group_files:
        logger.info(
            "equitability re-run skipped: WA_EQUITY_EVAL_IMAGES and WA_EQUITY_EVAL_GROUPS "
            "are not both configured"
        )
        return None
    now = now or timezone.now()
    backend = engine_backend()
    latest = (
        EquitabilityReport.objects.filter(model_version=backend.model_version)
        .order_by("-created_at", "-pk")
        .first()
    )
    recent = timedelta(hours=settings.WA_EQUITY_RERUN_HOURS / 2)
    if latest is not None and now - latest.created_at < recent:
        logger.info(
            "equitability re-run skipped: report %s for %s is recent",
            latest.pk,
            latest.model_version,
        )
        return None
    report = evaluate_identification(
        images,
        [float(t) for t in settings.WA_EQUITY_EVAL_THRESHOLDS],
        backend=backend,
        cache=settings.WA_EQUITY_EVAL_CACHE or None,
        groups_csv=group_files,
        rule=equity_rule(),
    )
    names = ", ".join(Path(f).name for f in group_files)
    stored = record_equitability_report(
        report=report, dataset=f"scheduled re-run: {Path(images).name}; groups from {names}"[:300]
    )
    logger.info(
        "equitability re-run stored report %s for %s, minimum threshold %s",
        stored.pk,
        stored.model_version,
        stored.minimum_threshold,
    )
    return stored
