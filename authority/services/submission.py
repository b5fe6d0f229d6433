"""Submission: the applicant sends a complete application to an authorising officer."""

from django.utils import timezone
from guardian.shortcuts import assign_perm

from authority.errors import (
    AssemblyAssessmentMissing,
    DpiaMissingOrExpired,
    IncompleteApplication,
    NoEquitableThreshold,
    OfficerNotEligible,
    RequestedThresholdBelowEquitableMinimum,
)
from authority.models import Application, ApplicationStatus, TextSimilarityFlag, User
from authority.policies import decider_minimum, require_authorising_officer, require_permitted
from authority.rules import (
    COMMANDER_FIELDS,
    has_current_dpia,
    missing_for_submission,
    naming_problem,
)
from authority.services._guards import authority_service, lock_application, move
from authority.services.drafting import update_application
from authority.similarity import NEAR_DUPLICATE, similarity
from biometric_engine.selectors import floor_report
from oversight.ledger import record_event

COMPARED_FIELDS = ("necessity", "proportionality")


def flag_copied_justifications(application: Application) -> list[TextSimilarityFlag]:
    """Flag necessity or proportionality text near-identical to another application's."""
    now = timezone.now()
    TextSimilarityFlag.objects.filter(application=application).delete()
    others = (
        Application.objects.exclude(pk=application.pk)
        .exclude(status=ApplicationStatus.DRAFT)
        .only("pk", *COMPARED_FIELDS)
    )
    flags = []
    for other in others.iterator(chunk_size=500):
        for field in COMPARED_FIELDS:
            score = similarity(getattr(application, field), getattr(other, field))
            if score >= NEAR_DUPLICATE:
                flags.append(
                    TextSimilarityFlag(
                        application=application,
                        field=field,
                        other_application=other,
                        similarity=round(score, 3),
                        flagged_at=now,
                    )
                )
    return TextSimilarityFlag.objects.bulk_create(flags)


def _require_equitable_request(application: Application) -> None:
    """The threshold asked for is at or above the equitable minimum of the model's latest
    report comparing groups, refused here rather than first at the decision. Without such a
    report submission goes ahead: the pages say the engine will refuse every call under it."""
    floor = floor_report(model_version=application.model_version)
    if floor is None:
        return
    if floor.minimum_threshold is None:
        raise NoEquitableThreshold(application.model_version, field="model_version")
    if application.requested_threshold < floor.minimum_threshold:
        raise RequestedThresholdBelowEquitableMinimum(
            application.requested_threshold, floor.minimum_threshold, application.model_version
        )


@authority_service
def submit_application(
    *, application: Application, by: User, submitted_to: User | None = None
) -> Application:
    """Submit to the named authorising officer; from here the application is immutable.

    ``submitted_to`` names (or changes) the authorising officer in the same act, so choosing
    them and submitting is one step; if submission is refused the choice is not kept either.
    """
    application = lock_application(application)
    require_permitted("submit", by=by, application=application)
    if submitted_to is not None and submitted_to.pk != application.submitted_to_id:
        application = update_application(application=application, by=by, submitted_to=submitted_to)
    now = timezone.now()
    missing = missing_for_submission(application, now=now)
    if missing:
        raise IncompleteApplication(missing)
    if not has_current_dpia(application, today=timezone.localdate()):
        raise DpiaMissingOrExpired()
    if application.affects_assembly and not application.article_10_11_assessment.strip():
        raise AssemblyAssessmentMissing()
    for field in COMMANDER_FIELDS:  # a rank or role may have changed since it was entered
        problem = naming_problem(
            field, getattr(application, field), applicant_id=application.applicant_id
        )
        if problem:
            raise OfficerNotEligible(problem, field=field)
    _require_equitable_request(application)
    decider = application.submitted_to
    # The officer named must be one who may decide it: role, rank for its urgency, independence.
    require_authorising_officer(
        decider,
        application,
        "decide this application",
        minimum=decider_minimum(application),
        assigned=False,
    )

    resubmission = application.status == ApplicationStatus.RETURNED
    move(application, "mark_submitted", "submit")
    application.submitted_at = now
    application.save()
    assign_perm("authority.view_application", decider, application)
    assign_perm("authority.authorise_application", decider, application)
    # The named commanders run what is authorised (the Silver commander may halt it), so they
    # may read it; the restricted intelligence case stays with its restricted readers.
    for commander in (
        application.gold_commander,
        application.silver_commander,
        application.bronze_commander,
    ):
        if commander is not None:
            assign_perm("authority.view_application", commander, application)
    flags = flag_copied_justifications(application)
    record_event(
        actor=by,
        action="application.submitted",
        subject=application,
        role="applicant_officer",
        payload={
            "submitted_to": decider.pk,
            "urgent": application.is_urgent,
            "resubmission": resubmission,
            "similarity_flags": len(flags),
        },
    )
    return application
