"""A post-deployment review's life: OPEN → SUBMITTED → APPROVED (or back to OPEN, returned).

Opened by the deployment's end (``deployments.ended``, registered in ``ReviewsConfig.ready``);
written and submitted by a reviewer; approved or returned by another officer who may approve.
At submission the figures are recomputed from the records and from the ledger and must agree,
every alert must be decided, and the watchlist's data and every alert image must be deleted
with the deletion jobs' ledger entries referenced; at approval they are recomputed again and
must not have changed, and the PDF is rendered and stored with its SHA-256.
"""

from django.db import transaction
from django.utils import timezone

from authority.models import AccountKind, User
from common.errors import InvalidInput
from common.roles import Role
from deployments.models import ENDED_STATUSES, Alert, AlertStatus, Deployment
from oversight.ledger import record_event
from oversight.models import LedgerEntry
from reviews import figures as computed
from reviews.errors import (
    AlertsUndecided,
    DeletionNotAttested,
    DeploymentNotEnded,
    FiguresChanged,
    FiguresDisagree,
    NotAnApprover,
    NotAReviewer,
    ReviewIncomplete,
    ReviewNotOpen,
    ReviewNotSubmitted,
    SelfApproval,
)
from reviews.expected import expected_for
from reviews.models import Review, ReviewStatus
from reviews.public_cache import invalidate_public_pages

NARRATIVE_FIELDS = {
    "system_performance": "System performance",
    "safeguards": "Whether the safeguards worked",
    "equality": "Equality observations",
    "lessons": "Lessons",
    "deletion_attestation": "Deletion attestation",
}
NARRATIVE_LIMIT = 8000


def lock_review(review: Review | int) -> Review:
    pk = review.pk if isinstance(review, Review) else review
    return Review.objects.select_for_update().select_related("deployment").get(pk=pk)


def may_write(user: User) -> bool:
    return (
        user.is_active
        and user.kind == AccountKind.OFFICER
        and user.has_role(Role.REVIEWER)
        and user.has_perm("reviews.write_review")
    )


def approving_role(user: User) -> Role | None:
    """The role in which ``user`` may approve a review: a reviewer or an authorising officer."""
    if not (user.is_active and user.kind == AccountKind.OFFICER):
        return None
    if not user.has_perm("reviews.approve_review"):
        return None
    for role in (Role.REVIEWER, Role.AUTHORISING_OFFICER):
        if user.has_role(role):
            return role
    return None


def _checked_figures(deployment: Deployment) -> dict:
    records = computed.from_records(deployment)
    ledger = computed.from_ledger(deployment)
    differ = computed.disagreements(records, ledger)
    if differ:
        labels = ", ".join(computed.FIGURE_LABELS.get(n, n.replace("_", " ")) for n in differ)
        raise FiguresDisagree(
            f"The deployment's records and its ledger events give different figures ({labels}): "
            "ask the ledger's custodian to find out why before the review goes further."
        )
    return records.as_dict()


@transaction.atomic
def open_review(*, deployment: Deployment, by: User | None = None) -> Review:
    """Open the deployment's review (idempotent: a second call returns the first review).
    Called by ``complete_deployment`` and ``halt_deployment`` through ``deployments.ended``."""
    existing = Review.objects.filter(deployment_id=deployment.pk).first()
    if existing is not None:
        return existing
    deployment = Deployment.objects.select_related("watchlist", "authority").get(pk=deployment.pk)
    if not deployment.is_ended:
        raise DeploymentNotEnded()
    now = timezone.now()
    # The figures at opening, unchecked: alerts may still await a decision; submission checks.
    figures = computed.from_records(deployment).as_dict()
    review = Review.objects.create(
        deployment=deployment, opened_at=now, figures=figures, expected=expected_for(deployment)
    )
    record_event(
        actor=None,
        action="review.opened",
        subject=review,
        payload={
            "deployment_id": deployment.pk,
            "run_id": deployment.run_id,
            "deployment_status": deployment.status,
            "ended_by_id": by.pk if by is not None else None,
        },
    )
    # An announced deployment that has ended leaves the public list of planned ones.
    transaction.on_commit(invalidate_public_pages)
    return review


@transaction.atomic
def update_review_narrative(*, review: Review, by: User, **narrative: str) -> Review:
    """The reviewer writes (or rewrites) the narrative while the review is open."""
    review = lock_review(review)
    if not may_write(by):
        raise NotAReviewer()
    if review.status != ReviewStatus.OPEN:
        raise ReviewNotOpen("The review is submitted: it can be changed only once returned.")
    unknown = set(narrative) - set(NARRATIVE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown part of the review: {', '.join(sorted(unknown))}.")
    changed = []
    for name, text in narrative.items():
        text = (text or "").strip()
        if len(text) > NARRATIVE_LIMIT:
            raise InvalidInput(
                f"Shorten this to {NARRATIVE_LIMIT:,} characters or fewer (it has {len(text):,}).",
                field=name,
            )
        if getattr(review, name) != text:
            setattr(review, name, text)
            changed.append(name)
    review.author = by
    review.figures = computed.from_records(review.deployment).as_dict()
    review.save(update_fields=[*changed, "author", "figures"])
    record_event(
        actor=by,
        role=Role.REVIEWER,
        action="review.narrative_updated",
        subject=review,
        payload={"deployment_id": review.deployment_id, "changed": sorted(changed)},
    )
    return review


def _deletion_refs(deployment: Deployment) -> dict:
    """The ledger entries of the deletion jobs: the watchlist's data and the alert images."""
    watchlist = LedgerEntry.objects.filter(
        action="watchlist.data_deleted",
        object_type="watchlists.watchlist",
        object_id=str(deployment.watchlist_id),
    ).values_list("seq", flat=True)
    images = LedgerEntry.objects.filter(
        action="deployment.alert_images_deleted",
        object_type="deployments.deployment",
        object_id=str(deployment.pk),
    ).values_list("seq", flat=True)
    return {"watchlist_data_deleted": sorted(watchlist), "alert_images_deleted": sorted(images)}


def _require_deleted(deployment: Deployment, refs: dict) -> None:
    if not refs["watchlist_data_deleted"]:
        raise DeletionNotAttested(
            "The watchlist's images and templates are not deleted yet: the deletion job runs "
            "hourly once the deployment's deletion delay has passed; submit after it has run."
        )
    held = (
        Alert.objects.filter(deployment=deployment, crop_deleted_at__isnull=True)
        .exclude(crop="")
        .count()
    )
    if held:
        raise DeletionNotAttested(
            f"{held} alert image(s) are still held: submit once the retention job has deleted them."
        )


@transaction.atomic
def submit_review(*, review: Review, by: User) -> Review:
    """Submit for approval: every part written, every alert decided, the figures agreeing with
    the ledger, the deletion jobs on the ledger. The figures are frozen from here."""
    review = lock_review(review)
    if not may_write(by):
        raise NotAReviewer()
    if review.status != ReviewStatus.OPEN:
        raise ReviewNotOpen("The review is already submitted.")
    missing = [label for name, label in NARRATIVE_FIELDS.items() if not getattr(review, name)]
    if missing:
        raise ReviewIncomplete(
            "Write every part of the review before submitting it: " + ", ".join(missing) + "."
        )
    deployment = review.deployment
    # Every alert adjudicated; a possible match with no engagement decision (the person was
    # not reached) is reported as a true alert not engaged.
    waiting = deployment.alerts.filter(status=AlertStatus.NEW).count()
    if waiting:
        raise AlertsUndecided(
            f"{waiting} alert(s) still await adjudication: the review reports whether each "
            "alert was true or false."
        )
    refs = _deletion_refs(deployment)
    _require_deleted(deployment, refs)
    review.figures = _checked_figures(deployment)
    review.figures_checked_at = timezone.now()
    review.deletion_refs = refs
    review.status = ReviewStatus.SUBMITTED
    review.submitted_by = by
    review.submitted_at = review.figures_checked_at
    review.returned_reason = ""
    if review.author_id is None:
        review.author = by
    review.save()
    record_event(
        actor=by,
        role=Role.REVIEWER,
        action="review.submitted",
        subject=review,
        payload={
            "deployment_id": deployment.pk,
            "run_id": deployment.run_id,
            "figures": _ledger_figures(review.figures),
            "deletion_refs": refs,
        },
    )
    return review


def _ledger_figures(figures: dict) -> dict:
    """The counts as they go on the ledger (integers and codes, never names)."""
    return {k: v for k, v in figures.items() if not k.startswith("false_alert_rate")}


def _require_approver(review: Review, by: User) -> Role:
    role = approving_role(by)
    if role is None:
        raise NotAnApprover()
    if by.pk in (review.author_id, review.submitted_by_id):
        raise SelfApproval()
    return role


@transaction.atomic
def approve_review(*, review: Review, by: User) -> Review:
    """Another officer approves: the figures are recomputed and must be as submitted; the PDF
    is rendered and stored with its SHA-256 in the same transaction."""
    from reviews.documents import render_review_pdf, sha256_hex

    review = lock_review(review)
    role = _require_approver(review, by)
    if review.status != ReviewStatus.SUBMITTED:
        raise ReviewNotSubmitted("Only a submitted review can be approved.")
    now_figures = _checked_figures(review.deployment)
    if now_figures != review.figures:
        raise FiguresChanged(
            "The deployment's figures have changed since the review was submitted: return it, "
            "so the reviewer can check the narrative against the new figures."
        )
    review.status = ReviewStatus.APPROVED
    review.approved_by = by
    review.approved_at = timezone.now()
    review.pdf = render_review_pdf(review)
    review.pdf_sha256 = sha256_hex(bytes(review.pdf))
    review.save()
    record_event(
        actor=by,
        role=role,
        action="review.approved",
        subject=review,
        payload={
            "deployment_id": review.deployment_id,
            "run_id": review.deployment.run_id,
            "pdf_sha256": review.pdf_sha256,
            "bytes": len(review.pdf),
        },
    )
    return review


@transaction.atomic
def return_review(*, review: Review, by: User, reason: str) -> Review:
    """Another officer returns a submitted review to its author, saying why."""
    review = lock_review(review)
    role = _require_approver(review, by)
    if review.status != ReviewStatus.SUBMITTED:
        raise ReviewNotSubmitted("Only a submitted review can be returned.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the review is returned.", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("Shorten the reason to 2,000 characters or fewer.", field="reason")
    review.status = ReviewStatus.OPEN
    review.returned_reason = reason
    review.save(update_fields=["status", "returned_reason"])
    record_event(
        actor=by,
        role=role,
        action="review.returned",
        subject=review,
        payload={"deployment_id": review.deployment_id, "reason": reason},
    )
    return review


def unapproved_reviews_blocker(application) -> str:
    """For ``authority.closing``: every ended deployment's review approved before closing."""
    ended = Deployment.objects.filter(authority_id=application.pk, status__in=ENDED_STATUSES)
    waiting = ended.exclude(review__status=ReviewStatus.APPROVED).count()
    if not waiting:
        return ""
    return (
        f"{waiting} deployment review(s) under this authority are not yet approved; "
        "approve them first."
    )
