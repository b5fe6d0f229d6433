"""Reads of reviews, each filtered by what the reader may see.

Reviews are read by the roles holding ``reviews.view_review`` (reviewers, authorising officers,
publishers, oversight, administrators). A review holds figures, narrative and ledger
references, never names or images, so every reader sees the whole of it.
"""

from django.db.models import QuerySet
from django.urls import reverse

from authority.models import User
from deployments.links import DeploymentLink
from reviews.models import Review, ReviewStatus
from reviews.services.reviewing import approving_role, may_write

VIEW = "reviews.view_review"


def reviews_visible_to(user: User) -> QuerySet[Review]:
    if not (user.is_authenticated and user.has_perm(VIEW)):
        return Review.objects.none()
    return Review.objects.select_related(
        "deployment__location", "deployment__authority", "author", "submitted_by", "approved_by"
    )


def review_link(*, deployment, user: User) -> DeploymentLink | None:
    """The deployment page's link to its review (registered in ``ReviewsConfig.ready``): once
    the deployment has ended, which opens it, and only for a reader who may see reviews."""
    review = reviews_visible_to(user).filter(deployment=deployment).select_related(None).first()
    if review is None:
        return None
    return DeploymentLink(
        "Post-deployment review",
        reverse("reviews:review-detail", args=[review.pk]),
        review.get_status_display(),
    )


def review_actions(user: User, review: Review) -> dict[str, bool]:
    """The buttons to offer now; the service decides again when one is pressed."""
    approver = approving_role(user) is not None and user.pk not in (
        review.author_id,
        review.submitted_by_id,
    )
    return {
        "write": may_write(user) and review.status == ReviewStatus.OPEN,
        "approve": approver and review.status == ReviewStatus.SUBMITTED,
    }


def to_write(user: User) -> QuerySet[Review]:
    if not may_write(user):
        return Review.objects.none()
    return reviews_visible_to(user).filter(status=ReviewStatus.OPEN)


def to_approve(user: User) -> QuerySet[Review]:
    if approving_role(user) is None:
        return Review.objects.none()
    return (
        reviews_visible_to(user)
        .filter(status=ReviewStatus.SUBMITTED)
        .exclude(author=user)
        .exclude(submitted_by=user)
    )


def may_publish_any(user: User) -> bool:
    from reviews.services.publication import may_publish

    return may_publish(user)


def to_announce(user: User):
    """Planned deployments not yet announced, soonest first (for a publisher)."""
    from deployments.models import Deployment, DeploymentStatus

    if not may_publish_any(user):
        return Deployment.objects.none()
    return (
        Deployment.objects.filter(status=DeploymentStatus.PLANNED, publication__isnull=True)
        .select_related("location", "authority")
        .order_by("planned_start", "pk")
    )


def to_publish(user: User) -> QuerySet[Review]:
    """Approved reviews whose results are not yet published (for a publisher)."""
    from reviews.models import PublicationStatus

    if not may_publish_any(user):
        return Review.objects.none()
    return (
        reviews_visible_to(user)
        .filter(status=ReviewStatus.APPROVED)
        .exclude(deployment__publication__status=PublicationStatus.PUBLISHED)
    )
