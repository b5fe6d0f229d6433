"""After authorisation: review, renewal, cancellation, and the scheduled lapse and expiry."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from authority.closing import closing_blockers
from authority.errors import AuthorityNotClosable, CancellationReportRequired, InvalidRenewal
from authority.models import (
    Application,
    ApplicationStatus,
    AuthorityReview,
    Cancellation,
    Renewal,
    ReviewOutcome,
    User,
)
from authority.policies import require_permitted
from authority.selectors import scope_decision
from authority.services._guards import (
    authority_service,
    lock_application,
    move,
    require_length,
    require_reasons,
)
from authority.services.wad import issue_written_authority
from common.errors import InvalidInput
from oversight.ledger import record_event

S = ApplicationStatus


@authority_service
def review_authority(
    *, application: Application, by: User, findings: str, outcome: str, next_review_by=None
) -> AuthorityReview:
    """The authorising officer's periodic review of a live authority."""
    application = lock_application(application)
    require_permitted("review", by=by, application=application)
    findings = require_reasons(findings, "Write the review's findings.", field="findings")
    if outcome not in ReviewOutcome.values:
        raise InvalidInput("Choose the review's outcome.", field="outcome")
    if next_review_by is not None and not (
        timezone.now() < next_review_by <= application.valid_until
    ):
        raise InvalidInput(
            "The next review must fall before the authority ends.", field="next_review_by"
        )
    review = AuthorityReview.objects.create(
        application=application,
        reviewed_by=by,
        reviewed_at=timezone.now(),
        findings=findings,
        outcome=outcome,
        next_review_by=next_review_by,
    )
    application.review_by = next_review_by or application.valid_until
    application.save()
    record_event(
        actor=by,
        action="application.reviewed",
        subject=application,
        role="authorising_officer",
        payload={
            "review_id": review.pk,
            "outcome": outcome,
            "next_review_by": application.review_by,
        },
    )
    return review


def renewal_limit(mode: str) -> timedelta:
    """The most one renewal may add: the configured period, never beyond the mode's window."""
    days = min(settings.WA_MAX_RENEWAL_DAYS, settings.WA_MAX_AUTHORITY_DAYS[mode])
    return timedelta(days=days)


@authority_service
def renew_authority(*, application: Application, by: User, reasons: str, new_end) -> Renewal:
    """Extend a live authority's window; each renewal is numbered and issues a new WAD."""
    application = lock_application(application)
    require_permitted("renew", by=by, application=application)
    reasons = require_reasons(reasons, "Write why the authority should continue.", field="reasons")
    now = timezone.now()
    if new_end <= application.valid_until:
        raise InvalidRenewal(
            "A renewal must end later than the authority ends now.", field="new_end"
        )
    longest = renewal_limit(application.mode)
    if new_end - application.valid_until > longest:
        raise InvalidRenewal(
            f"One renewal may extend this authority by at most {longest.days} days, to "
            f"{timezone.localtime(application.valid_until + longest):%d %b %Y %H:%M}; "
            "renew again before then if it is still needed.",
            field="new_end",
        )
    renewal = Renewal.objects.create(
        application=application,
        number=application.renewals.count() + 1,
        renewed_by=by,
        renewed_at=now,
        reasons=reasons,
        previous_end=application.valid_until,
        new_end=new_end,
    )
    application.valid_until = new_end
    application.review_by = new_end
    application.save()
    document = issue_written_authority(
        application=application, decision=scope_decision(application), by=by, reason="renewed"
    )
    record_event(
        actor=by,
        action="application.renewed",
        subject=application,
        role="authorising_officer",
        payload={
            "renewal_number": renewal.number,
            "renewal": renewal.ordinal.lower(),
            "previous_end": renewal.previous_end,
            "new_end": new_end,
            "wad_version": document.version,
            "wad_sha256": document.sha256,
        },
    )
    return renewal


@authority_service
def cancel_authority(
    *, application: Application, by: User, reasons: str, report: str
) -> Cancellation:
    """Cancel a live authority with a cancellation report; issues a final WAD version."""
    application = lock_application(application)
    require_permitted("cancel", by=by, application=application)
    reasons = require_reasons(reasons, "Write why the authority is cancelled.", field="reasons")
    if not report.strip():
        raise CancellationReportRequired(field="report")
    require_length(report.strip(), field="report")
    if blockers := closing_blockers(application):
        raise AuthorityNotClosable("Cannot close the authority yet: " + " ".join(blockers))
    cancellation = Cancellation.objects.create(
        application=application,
        cancelled_by=by,
        cancelled_at=timezone.now(),
        reasons=reasons,
        report=report.strip(),
    )
    move(application, "mark_cancelled", "cancel")
    application.save()
    document = issue_written_authority(
        application=application, decision=scope_decision(application), by=by, reason="cancelled"
    )
    record_event(
        actor=by,
        action="application.cancelled",
        subject=application,
        role="authorising_officer",
        payload={
            "cancellation_id": cancellation.pk,
            "wad_version": document.version,
            "wad_sha256": document.sha256,
        },
    )
    return cancellation


@authority_service
def lapse_urgent_authority(*, application_id: int) -> bool:
    """Lapse one unratified urgent authority whose time is up. Safe to run twice."""
    application = lock_application(application_id)
    if application.status != S.URGENT_AUTHORISED or timezone.now() < application.lapses_at:
        return False
    move(application, "mark_lapsed", "lapse")
    application.save()
    record_event(
        actor=None,
        action="application.lapsed",
        subject=application,
        role="system",
        payload={
            "lapses_at": application.lapses_at,
            "compliance_exception": "urgent_authority_not_ratified",
        },
    )
    return True


@authority_service
def expire_authority(*, application_id: int) -> bool:
    """Expire one authority whose window ended without cancellation: a compliance exception."""
    application = lock_application(application_id)
    if application.status != S.AUTHORISED or timezone.now() < application.valid_until:
        return False
    move(application, "mark_expired", "expire")
    application.save()
    record_event(
        actor=None,
        action="application.expired",
        subject=application,
        role="system",
        payload={
            "valid_until": application.valid_until,
            "compliance_exception": "expired_without_cancellation",
        },
    )
    return True
