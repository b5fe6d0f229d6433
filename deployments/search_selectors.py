"""Reads for RFR searches and OIFR checks, filtered by what the reader may see.

- Oversight (``view_retrospectivesearch`` / ``view_operatorcheck``) reads every search and check.
- An authorising officer (``approve_retrospective_search``) reads every submitted search (only
  one of the configured rank may decide it); a trained reviewer reads every search that has
  run, for review.
- An investigator reads their own searches and checks.

Candidates: a reviewer other than the requester, and oversight, see them all once the search
has run; the requester sees only the possible leads, and only once every candidate is reviewed.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from authority.models import LIVE_STATUSES, Application, Mode, User
from deployments.models import (
    CandidateDecision,
    OperatorCheck,
    RetrospectiveSearch,
    SearchCandidate,
    SearchStatus,
)
from deployments.services.checks import RUN_CHECK
from deployments.services.searches import APPROVE, REQUEST, may_approve, may_review

VIEW_SEARCHES = "deployments.view_retrospectivesearch"
VIEW_CHECKS = "deployments.view_operatorcheck"
RAN = (SearchStatus.RUN, SearchStatus.REVIEWED)


def may_request(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(REQUEST))


def may_check(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(RUN_CHECK))


def may_see_searches(user: User) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.has_perm(VIEW_SEARCHES) or may_request(user) or user.has_perm(APPROVE)
            or may_review(user)
        )
    )  # fmt: skip


def searches_visible_to(user: User) -> QuerySet[RetrospectiveSearch]:
    searches = RetrospectiveSearch.objects.select_related("authority", "requested_by")
    if not user.is_authenticated:
        return searches.none()
    if user.has_perm(VIEW_SEARCHES):
        return searches
    seen = Q(requested_by=user)
    if user.has_perm(APPROVE):  # any authorising officer reads requests; rank rules decide
        seen |= ~Q(status=SearchStatus.DRAFT)
    if may_review(user):
        seen |= Q(status__in=RAN)
    return searches.filter(seen)


def searches_to_approve(user: User) -> QuerySet[RetrospectiveSearch]:
    if not may_approve(user):
        return RetrospectiveSearch.objects.none()
    return (
        searches_visible_to(user).filter(status=SearchStatus.SUBMITTED).exclude(requested_by=user)
    )


def searches_to_review(user: User) -> QuerySet[RetrospectiveSearch]:
    if not may_review(user):
        return RetrospectiveSearch.objects.none()
    return searches_visible_to(user).filter(status=SearchStatus.RUN).exclude(requested_by=user)


def may_review_search(user: User, search: RetrospectiveSearch) -> bool:
    return (
        may_review(user) and user.pk != search.requested_by_id and search.status == SearchStatus.RUN
    )


def candidates_visible_to(user: User, search: RetrospectiveSearch) -> QuerySet[SearchCandidate]:
    candidates = search.candidates.select_related("reference_image", "reviewed_by")
    if search.status not in RAN:
        return candidates.none()
    if user.has_perm(VIEW_SEARCHES) or (may_review(user) and user.pk != search.requested_by_id):
        return candidates
    if user.pk == search.requested_by_id and search.status == SearchStatus.REVIEWED:
        return candidates.filter(decision=CandidateDecision.POSSIBLE_LEAD)
    return candidates.none()


def usable_authorities(mode: str) -> QuerySet[Application]:
    """Authorities of ``mode`` live now: authorised, not halted, inside their window."""
    now = timezone.now()
    return Application.objects.filter(
        mode=mode,
        status__in=LIVE_STATUSES,
        halted_at__isnull=True,
        valid_from__lte=now,
        valid_until__gt=now,
    ).order_by("reference")


def rfr_authorities() -> QuerySet[Application]:
    return usable_authorities(Mode.RFR)


def oifr_authorities() -> QuerySet[Application]:
    return usable_authorities(Mode.OIFR)


def checks_visible_to(user: User) -> QuerySet[OperatorCheck]:
    checks = OperatorCheck.objects.select_related("authority", "officer")
    if not user.is_authenticated:
        return checks.none()
    if user.has_perm(VIEW_CHECKS):
        return checks
    return checks.filter(officer=user)
