"""Decisions on a submitted application: authorise (with conditions), refuse, return,
authorise urgently, ratify; and the Chief Officer's consultation on LFR."""

from django.utils import timezone
from guardian.shortcuts import assign_perm

from authority.errors import (
    ChiefOfficerNotConsulted,
    ChiefOfficerVeto,
    MitigationNotAddressed,
    NoEquitableThreshold,
    SuperintendentAvailabilityReasonRequired,
    ThresholdBelowEquitableMinimum,
)
from authority.models import (
    Application,
    ApplicationStatus,
    ChiefOfficerConsultation,
    Condition,
    ConsultationOutcome,
    Decision,
    DecisionOutcome,
    Mode,
    Rank,
    User,
)
from authority.policies import require_permitted
from authority.rules import (
    URGENT_LAPSE_AFTER,
    ConditionSpec,
    Scope,
    decided_scope,
    narrow_scope,
    requested_scope,
)
from authority.services._guards import (
    authority_service,
    lock_application,
    move,
    require_length,
    require_reasons,
)
from authority.services.wad import issue_written_authority
from biometric_engine.selectors import floor_report
from common.errors import InvalidInput
from oversight.ledger import record_event

S = ApplicationStatus


def _latest_consultation(application: Application) -> ChiefOfficerConsultation | None:
    return application.consultations.order_by("-consulted_at", "-pk").first()


def _check_chief_officer(
    application: Application, mitigation_response: str, *, required: bool
) -> ChiefOfficerConsultation | None:
    consultation = _latest_consultation(application)
    if application.mode != Mode.LFR:
        return consultation
    if consultation is None:
        if required:
            raise ChiefOfficerNotConsulted()
        return None
    if consultation.outcome == ConsultationOutcome.VETO:
        raise ChiefOfficerVeto()
    if (
        consultation.outcome == ConsultationOutcome.MITIGATION_REQUIRED
        and not mitigation_response.strip()
    ):
        raise MitigationNotAddressed(field="mitigation_response")
    require_length(mitigation_response.strip(), field="mitigation_response")
    return consultation


def _require_equitable_threshold(scope: Scope) -> None:
    """Never less than the equitable minimum of the model's latest report comparing groups
    (DOMAIN), and nothing at all when that report finds no equitable threshold.

    Without such a report the decision stands here, but the engine will not run under it until
    one is recorded (biometric_engine.selectors.equitability_problem).
    """
    floor = floor_report(model_version=scope.model_version)
    if floor is None:
        return
    if floor.minimum_threshold is None:
        raise NoEquitableThreshold(scope.model_version)
    if scope.threshold < floor.minimum_threshold:
        raise ThresholdBelowEquitableMinimum(
            scope.threshold, floor.minimum_threshold, scope.model_version
        )


def _record_decision(
    application: Application,
    *,
    by: User,
    outcome: DecisionOutcome,
    reasons: str,
    scope: Scope | None = None,
    conditions: list[ConditionSpec] = (),
    stored: list[dict] = (),
    review_by=None,
    **extra,
) -> Decision:
    if scope:
        _require_equitable_threshold(scope)
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        decided_by=by,
        decided_by_rank=by.rank or 0,
        decided_at=timezone.now(),
        reasons=reasons,
        review_by=review_by,
        **extra,
        **(
            {
                "authorised_start": scope.start,
                "authorised_end": scope.end,
                "threshold": scope.threshold,
                "model_version": scope.model_version,
                "max_watchlist_size": scope.max_watchlist_size,
                "authorised_categories": scope.categories,
            }
            if scope
            else {}
        ),
    )
    if scope:
        decision.authorised_locations.set(scope.location_ids)
    Condition.objects.bulk_create(
        Condition(decision=decision, kind=spec.kind, text=spec.text.strip(), value=value)
        for spec, value in zip(conditions, stored, strict=True)
    )
    return decision


def _default_review_by(scope: Scope, review_by):
    if review_by is not None and not (scope.start < review_by <= scope.end):
        raise InvalidInput(
            "The review date must fall inside the authorised window.", field="review_by"
        )
    return review_by or scope.end


@authority_service
def authorise_application(
    *,
    application: Application,
    by: User,
    reasons: str,
    conditions: list[ConditionSpec] = (),
    review_by=None,
    mitigation_response: str = "",
) -> Decision:
    """Authorise, optionally with conditions that narrow the request; issues the WAD."""
    application = lock_application(application)
    require_permitted("authorise", by=by, application=application)
    reasons = require_reasons(reasons, field="reasons")
    _check_chief_officer(application, mitigation_response, required=True)
    scope, stored = narrow_scope(requested_scope(application), list(conditions))
    review_by = _default_review_by(scope, review_by)

    decision = _record_decision(
        application,
        by=by,
        outcome=DecisionOutcome.AUTHORISED,
        reasons=reasons,
        scope=scope,
        conditions=list(conditions),
        stored=stored,
        review_by=review_by,
        mitigation_response=mitigation_response.strip(),
    )
    move(application, "mark_authorised", "authorise")
    application.valid_from, application.valid_until = scope.start, scope.end
    application.review_by = review_by
    application.save()
    document = issue_written_authority(
        application=application, decision=decision, by=by, reason="authorised"
    )
    record_event(
        actor=by,
        action="application.authorised",
        subject=application,
        role="authorising_officer",
        payload={
            "decision_id": decision.pk,
            "conditions": len(stored),
            "valid_from": scope.start,
            "valid_until": scope.end,
            "threshold": str(scope.threshold),
            "model_version": scope.model_version,
            "max_watchlist_size": scope.max_watchlist_size,
            "location_ids": scope.location_ids,
            "categories": scope.categories,
            "wad_version": document.version,
            "wad_sha256": document.sha256,
        },
    )
    return decision


def _close_submission(
    application: Application,
    *,
    by: User,
    reasons: str,
    outcome: DecisionOutcome,
    transition: str,
    verb: str,
    missing_reasons: str,
) -> Decision:
    """Refuse or return: the decision is only reasons, and the submission ends."""
    application = lock_application(application)
    require_permitted(verb, by=by, application=application)
    reasons = require_reasons(reasons, missing_reasons, field="reasons")
    decision = _record_decision(application, by=by, outcome=outcome, reasons=reasons)
    move(application, transition, verb)
    application.save()
    record_event(
        actor=by,
        action=f"application.{outcome}",
        subject=application,
        role="authorising_officer",
        payload={"decision_id": decision.pk},
    )
    return decision


@authority_service
def refuse_application(*, application: Application, by: User, reasons: str) -> Decision:
    return _close_submission(
        application,
        by=by,
        reasons=reasons,
        outcome=DecisionOutcome.REFUSED,
        transition="mark_refused",
        verb="refuse",
        missing_reasons="Write why the application is refused.",
    )


@authority_service
def return_application(*, application: Application, by: User, reasons: str) -> Decision:
    """Return for amendment: the applicant may edit and submit again."""
    return _close_submission(
        application,
        by=by,
        reasons=reasons,
        outcome=DecisionOutcome.RETURNED,
        transition="mark_returned",
        verb="return",
        missing_reasons="Write what must be amended.",
    )


@authority_service
def urgently_authorise_application(
    *,
    application: Application,
    by: User,
    reasons: str,
    superintendent_unavailable_reason: str,
    conditions: list[ConditionSpec] = (),
    mitigation_response: str = "",
) -> Decision:
    """An Inspector authorises in urgency; it lapses unless a Superintendent ratifies it
    within 72 hours (or by the window's end, if sooner)."""
    application = lock_application(application)
    require_permitted("urgently_authorise", by=by, application=application)
    reasons = require_reasons(reasons, field="reasons")
    unavailable = superintendent_unavailable_reason.strip()
    if not unavailable and not by.has_rank_at_least(Rank.SUPERINTENDENT):
        raise SuperintendentAvailabilityReasonRequired(field="superintendent_unavailable_reason")
    require_length(unavailable, field="superintendent_unavailable_reason")
    _check_chief_officer(application, mitigation_response, required=False)
    scope, stored = narrow_scope(requested_scope(application), list(conditions))
    now = timezone.now()
    lapses_at = min(now + URGENT_LAPSE_AFTER, scope.end)

    decision = _record_decision(
        application,
        by=by,
        outcome=DecisionOutcome.URGENTLY_AUTHORISED,
        reasons=reasons,
        scope=scope,
        conditions=list(conditions),
        stored=stored,
        review_by=lapses_at,
        superintendent_unavailable_reason=unavailable,
        mitigation_response=mitigation_response.strip(),
    )
    move(application, "mark_urgently_authorised", "authorise urgently")
    application.valid_from, application.valid_until = scope.start, scope.end
    application.lapses_at = lapses_at
    application.review_by = lapses_at
    application.save()
    document = issue_written_authority(
        application=application, decision=decision, by=by, reason="urgently_authorised"
    )
    record_event(
        actor=by,
        action="application.urgently_authorised",
        subject=application,
        role="authorising_officer",
        payload={
            "decision_id": decision.pk,
            "decider_rank": by.rank,
            "lapses_at": lapses_at,
            "valid_from": scope.start,
            "valid_until": scope.end,
            "threshold": str(scope.threshold),
            "conditions": len(stored),
            "wad_version": document.version,
            "wad_sha256": document.sha256,
        },
    )
    return decision


@authority_service
def ratify_urgent_authority(
    *,
    application: Application,
    by: User,
    reasons: str,
    mitigation_response: str = "",
    review_by=None,
) -> Decision:
    """A Superintendent ratifies an urgent authority before it lapses."""
    application = lock_application(application)
    require_permitted("ratify", by=by, application=application)
    reasons = require_reasons(reasons, field="reasons")
    urgent = application.decisions.filter(outcome=DecisionOutcome.URGENTLY_AUTHORISED).last()
    _check_chief_officer(
        application, mitigation_response or urgent.mitigation_response, required=True
    )
    scope = decided_scope(urgent)
    review_by = _default_review_by(scope, review_by)
    decision = _record_decision(
        application,
        by=by,
        outcome=DecisionOutcome.RATIFIED,
        reasons=reasons,
        scope=scope,
        review_by=review_by,
        mitigation_response=mitigation_response.strip(),
    )
    move(application, "mark_ratified", "ratify")
    # The ratifying Superintendent now answers for the authority: its reviews, renewals and
    # cancellation are theirs (as well as the urgent decider's, who may still cancel it).
    assign_perm("authority.authorise_application", by, application)
    assign_perm("authority.view_application", by, application)
    application.lapses_at = None
    application.review_by = review_by
    application.save()
    document = issue_written_authority(
        application=application, decision=decision, by=by, reason="ratified"
    )
    record_event(
        actor=by,
        action="application.ratified",
        subject=application,
        role="authorising_officer",
        payload={
            "decision_id": decision.pk,
            "urgent_decision_id": urgent.pk,
            "wad_version": document.version,
            "wad_sha256": document.sha256,
        },
    )
    return decision


@authority_service
def consult_chief_officer(
    *, application: Application, by: User, outcome: str, comments: str, mitigation: str = ""
) -> ChiefOfficerConsultation:
    """Record a Chief Officer's view on an LFR application: noted, mitigation, or veto."""
    application = lock_application(application)
    require_permitted("consult", by=by, application=application)
    if outcome not in ConsultationOutcome.values:
        raise InvalidInput(
            "The outcome must be noted, mitigation required or veto.", field="outcome"
        )
    comments = require_reasons(comments, "Write the Chief Officer's comments.", field="comments")
    if outcome == ConsultationOutcome.MITIGATION_REQUIRED and not mitigation.strip():
        raise InvalidInput("Say what mitigation is required.", field="mitigation")
    require_length(mitigation.strip(), field="mitigation")
    consultation = ChiefOfficerConsultation.objects.create(
        application=application,
        chief_officer=by,
        outcome=outcome,
        comments=comments,
        mitigation=mitigation.strip(),
        consulted_at=timezone.now(),
    )
    record_event(
        actor=by,
        action="application.chief_officer_consulted",
        subject=application,
        role="chief_officer",
        payload={"consultation_id": consultation.pk, "outcome": outcome},
    )
    return consultation
