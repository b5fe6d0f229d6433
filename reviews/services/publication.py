"""Publication, an act on the ledger: a publisher approves what goes out.

``announce_planned_deployment`` puts a planned deployment on the public site in advance (date,
time window, borough, location, purpose in plain words). ``publish_deployment_results``
publishes its results once its review is approved: the published row built from the
approved review's frozen figures (``reviews.public``), its SHA-256 and every figure on the
ledger, so an inspector can recompute each one from the run's events offline. The public
site reads these records alone, and its cached pages are invalidated when either commits.
"""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from authority.models import User
from common.errors import InvalidInput, WrongState
from common.roles import Role
from deployments.models import Deployment, DeploymentStatus
from oversight.ledger import record_event
from reviews import public
from reviews.errors import NotAPublisher
from reviews.figures import version_run
from reviews.models import PublicationStatus, PublishedDeployment, Review, ReviewStatus
from reviews.public_cache import invalidate_public_pages

PURPOSE_LIMIT = 500


def may_publish(user: User) -> bool:
    return (
        user.is_active
        and user.has_role(Role.PUBLISHER)
        and user.has_perm("reviews.publish_deployment")
    )


def record_bytes(record: dict) -> bytes:
    """The record as canonical JSON (sorted keys, no spaces, UTF-8): what is hashed and what
    the inspection export ships."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_sha256(record: dict) -> str:
    return hashlib.sha256(record_bytes(record)).hexdigest()


def _purpose(text: str, *, required: bool) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise InvalidInput(
            "Say in plain words why the force is deploying here (no names, no intelligence).",
            field="purpose",
        )
    if len(text) > PURPOSE_LIMIT:
        raise InvalidInput(
            f"Shorten the purpose to {PURPOSE_LIMIT} characters or fewer.", field="purpose"
        )
    return text


def reference_year(deployment: Deployment) -> int:
    """The year a deployment's public reference is numbered in (its planned start, London)."""
    return timezone.localtime(deployment.planned_start).year


def public_reference(year: int, number: int) -> str:
    """``LFR-<year>-<n>``: the public name of a deployment, never its database id."""
    return f"LFR-{year}-{number:04d}"


def _next_reference(deployment: Deployment) -> str:
    year = reference_year(deployment)
    taken = PublishedDeployment.objects.filter(reference__startswith=f"LFR-{year}-").count()
    return public_reference(year, taken + 1)


def _lock_publication(deployment: Deployment) -> PublishedDeployment | None:
    return PublishedDeployment.objects.select_for_update().filter(deployment=deployment).first()


@transaction.atomic
def announce_planned_deployment(
    *, deployment: Deployment, by: User, purpose: str
) -> PublishedDeployment:
    """Announce a planned deployment in advance: its date, window, borough, location and
    purpose in plain words, as the publisher approves them."""
    if not may_publish(by):
        raise NotAPublisher()
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    if deployment.status != DeploymentStatus.PLANNED:
        raise WrongState("Only a deployment still planned is announced in advance.")
    if _lock_publication(deployment) is not None:
        raise WrongState("This deployment is already announced.")
    purpose = _purpose(purpose, required=True)
    reference = _next_reference(deployment)
    announcement = public.announcement_record(deployment, reference=reference, purpose=purpose)
    now = timezone.now()
    publication = PublishedDeployment.objects.create(
        deployment=deployment,
        reference=reference,
        status=PublicationStatus.ANNOUNCED,
        announcement=announcement,
        announced_by=by,
        announced_at=now,
    )
    record_event(
        actor=by,
        role=Role.PUBLISHER,
        action="publication.deployment_announced",
        subject=publication,
        payload={
            "deployment_id": deployment.pk,
            "reference": reference,
            "announcement_sha256": record_sha256(announcement),
        },
    )
    transaction.on_commit(invalidate_public_pages)
    return publication


@transaction.atomic
def publish_deployment_results(
    *, deployment: Deployment, by: User, purpose: str = ""
) -> PublishedDeployment:
    """Publish an ended deployment's results once its review is approved: the row and its
    figures go on the ledger with the record's SHA-256; the public PDF is rendered now."""
    from reviews.public_documents import render_deployment_pdf

    if not may_publish(by):
        raise NotAPublisher()
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    review = Review.objects.filter(deployment=deployment).first()
    if review is None or review.status != ReviewStatus.APPROVED:
        raise WrongState("A deployment's results are published only once its review is approved.")
    publication = _lock_publication(deployment)
    if publication is not None and publication.status == PublicationStatus.PUBLISHED:
        raise WrongState("This deployment's results are already published.")
    announced_purpose = publication.announcement.get("purpose", "") if publication else ""
    purpose = _purpose(purpose, required=False) or announced_purpose
    reference = publication.reference if publication else _next_reference(deployment)
    record = public.results_record(
        deployment, reference=reference, figures=review.figures, purpose=purpose
    )
    if publication is None:
        publication = PublishedDeployment(deployment=deployment, reference=reference)
    publication.status = PublicationStatus.PUBLISHED
    publication.record = record
    publication.record_sha256 = record_sha256(record)
    publication.published_by = by
    publication.published_at = timezone.now()
    publication.pdf = render_deployment_pdf(record)
    publication.pdf_sha256 = hashlib.sha256(bytes(publication.pdf)).hexdigest()
    publication.save()
    record_event(
        actor=by,
        role=Role.PUBLISHER,
        action="publication.results_published",
        subject=publication,
        payload={
            "deployment_id": deployment.pk,
            "review_id": review.pk,
            "run_id": deployment.run_id,
            "watchlist_id": deployment.watchlist_id,
            "watchlist_version": version_run(deployment),
            "reference": reference,
            # Every published figure, as published, so each can be recomputed offline.
            "figures": {key: record[key] for key in public.FIGURE_KEYS},
            "record_sha256": publication.record_sha256,
            "pdf_sha256": publication.pdf_sha256,
        },
    )
    transaction.on_commit(invalidate_public_pages)
    return publication
