"""Issuing the Written Authority Document: a new immutable version at every change."""

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from authority.documents import render_wad_pdf, sha256_hex
from authority.models import (
    Application,
    Decision,
    LegalBasis,
    User,
    WatchlistCategory,
    WrittenAuthorityDocument,
)
from authority.models.choices import labels_for
from oversight.ledger import record_event

REASON_LABELS = {
    "authorised": "authorised",
    "urgently_authorised": "urgently authorised by an Inspector",
    "ratified": "urgent authority ratified",
    "renewed": "renewed",
    "cancelled": "cancelled",
}


def issue_written_authority(
    *, application: Application, decision: Decision, by: User, reason: str
) -> WrittenAuthorityDocument:
    """Render and store the next WAD version. Call inside the deciding service's transaction,
    so the document and the decision commit (or roll back) together."""
    previous = application.documents.order_by("-version").first()
    version = (application.documents.aggregate(v=Max("version"))["v"] or 0) + 1
    signed_at = timezone.now()
    context = {
        "application": application,
        "decision": decision,
        "version": version,
        "reason_label": REASON_LABELS[reason],
        "scope_start": application.valid_from,
        "scope_end": application.valid_until,
        "tz": settings.TIME_ZONE,
        "categories": labels_for(WatchlistCategory, decision.authorised_categories or []),
        "locations": list(decision.authorised_locations.all()),
        "legal_bases": labels_for(LegalBasis, application.legal_bases),
        "conditions": list(_conditions_in_force(application)),
        "consultation": application.consultations.order_by("-consulted_at").first(),
        "renewals": list(application.renewals.select_related("renewed_by")),
        "cancellation": getattr(application, "cancellation", None),
        "signatory": by,
        "signed_at": signed_at,
        "previous_sha256": previous.sha256 if previous else "",
        "previous_version": previous.version if previous else None,
    }
    content = render_wad_pdf(context)
    document = WrittenAuthorityDocument.objects.create(
        application=application,
        version=version,
        reason=reason,
        content=content,
        sha256=sha256_hex(content),
        issued_at=signed_at,
        issued_by=by,
    )
    record_event(
        actor=by,
        action="wad.issued",
        subject=application,
        role="authorising_officer",
        payload={
            "version": version,
            "sha256": document.sha256,
            "reason": reason,
            "bytes": len(content),
            "decision_id": decision.pk,
        },
    )
    return document


def _conditions_in_force(application: Application):
    """Conditions of the decision that created the scope (authorise or urgent authorise)."""
    from authority.models import Condition, DecisionOutcome

    origin = (
        application.decisions.filter(
            outcome__in=[DecisionOutcome.AUTHORISED, DecisionOutcome.URGENTLY_AUTHORISED]
        )
        .order_by("-decided_at")
        .first()
    )
    return Condition.objects.filter(decision=origin) if origin else Condition.objects.none()
