"""Rules of the authority lifecycle, each a DomainError with a stable code and a sentence."""

from common.errors import DomainError, InvalidInput, NotPermitted, WrongState


class ApplicationLocked(WrongState):
    code = "application_locked"
    default_detail = (
        "A submitted application cannot be changed; the authorising officer must return it "
        "for amendment first."
    )


class IncompleteApplication(InvalidInput):
    code = "incomplete_application"

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "The application cannot be submitted until these are completed: "
            + "; ".join(missing)
            + ".",
            field=None,
        )


class DpiaMissingOrExpired(InvalidInput):
    code = "dpia_missing_or_expired"
    default_detail = (
        "Attach a Data Protection Impact Assessment whose review date has not passed before "
        "submitting."
    )


class AssessmentReviewPassed(InvalidInput):
    code = "assessment_review_passed"

    def __init__(self, assessment, index: int) -> None:
        super().__init__(
            f"Assessment {index}: the review date of {assessment.get_kind_display()} "
            f"{assessment.reference} v{assessment.version} ({assessment.review_date:%d %b %Y}) "
            "has passed. Link the version reviewed since, with its new review date.",
            field="review_date",
        )


class AssemblyAssessmentMissing(InvalidInput):
    code = "assembly_assessment_missing"
    default_detail = (
        "A protest or assembly may be affected: write the Article 10/11 impact assessment "
        "before submitting."
    )


class RankTooLow(NotPermitted):
    code = "rank_too_low"


class NotAnAuthorisingOfficer(NotPermitted):
    code = "not_an_authorising_officer"
    default_detail = (
        "Only an authorising officer to whom this application was submitted may decide it."
    )


class NotTheDecidingOfficer(NotPermitted):
    code = "not_the_deciding_officer"
    default_detail = (
        "Only the authorising officer who decided or ratified this authority may do this."
    )


class SelfAuthorisation(NotPermitted):
    code = "self_authorisation"
    default_detail = "An applicant cannot decide their own application."


class DeciderInChain(NotPermitted):
    code = "decider_in_chain"
    default_detail = (
        "You are named in this operation's command chain (Gold, Silver or Bronze), so you "
        "cannot decide its authority independently."
    )


class ReasonsRequired(InvalidInput):
    code = "reasons_required"
    default_detail = "Write the reasons for this decision."


class ChiefOfficerNotConsulted(WrongState):
    code = "chief_officer_not_consulted"
    default_detail = (
        "A Chief Officer must be consulted on live facial recognition before it is authorised."
    )


class ChiefOfficerVeto(WrongState):
    code = "chief_officer_veto"
    default_detail = "A Chief Officer has vetoed this deployment, so it cannot be authorised."


class MitigationNotAddressed(InvalidInput):
    code = "mitigation_not_addressed"
    default_detail = "The Chief Officer required mitigation: say how the authority addresses it."


class ConditionWidensRequest(InvalidInput):
    code = "condition_widens_request"


class InvalidCondition(InvalidInput):
    code = "invalid_condition"


class NotUrgent(WrongState):
    code = "not_urgent"
    default_detail = "This application was not submitted as urgent; it needs a Superintendent."


class SuperintendentAvailabilityReasonRequired(InvalidInput):
    code = "superintendent_unavailable_reason_required"
    default_detail = "Write why a Superintendent could not be reached before authorising urgently."


class UrgentAuthorityLapsed(WrongState):
    code = "urgent_authority_lapsed"
    default_detail = "The urgent authority lapsed before ratification; a new application is needed."


class ThresholdBelowEquitableMinimum(InvalidInput):
    code = "threshold_below_equitable_minimum"

    def __init__(self, threshold, minimum, model_version: str) -> None:
        super().__init__(
            f"A threshold of {threshold} is below {minimum}, the lowest at which the latest "
            f"equitability report for {model_version} finds no significant difference between "
            "groups. Add a threshold condition of at least that.",
            field="threshold",
        )


class NoEquitableThreshold(WrongState):
    code = "no_equitable_threshold"

    def __init__(self, model_version: str, *, field: str | None = None) -> None:
        super().__init__(
            f"The latest equitability report for {model_version} finds groups treated "
            "differently at every threshold it measured: no authority may use this model.",
            field=field,
        )


class RequestedThresholdBelowEquitableMinimum(InvalidInput):
    """At submission: the applicant asks for less than the model's equitable minimum, which
    the authorising officer could only refuse (or raise by a condition)."""

    code = "requested_threshold_below_equitable_minimum"

    def __init__(self, threshold, minimum, model_version: str) -> None:
        super().__init__(
            f"A threshold of {threshold} is below {minimum}, the lowest at which the latest "
            f"equitability report for {model_version} finds no significant difference between "
            f"groups. Ask for {minimum} or more.",
            field="requested_threshold",
        )


class UnknownModelVersion(InvalidInput):
    code = "unknown_model_version"

    def __init__(self, model_version: str, known: list[str]) -> None:
        super().__init__(
            f"The engine knows no model {model_version[:80]!r}: choose one of "
            + ", ".join(known)
            + ".",
            field="model_version",
        )


class OfficerNotEligible(InvalidInput):
    """An officer named in a command role (Gold, Silver, Bronze) who may not hold it."""

    code = "officer_not_eligible"


class NotTheSilverCommander(NotPermitted):
    code = "not_the_silver_commander"
    default_detail = (
        "Only the Silver commander named on the authority, or an authorising officer, may halt "
        "or resume the engine."
    )


class AlreadyHalted(WrongState):
    code = "already_halted"
    default_detail = "The engine is already halted under this authority."


class NotHalted(WrongState):
    code = "not_halted"
    default_detail = "The engine is not halted under this authority."


class InvalidRenewal(InvalidInput):
    code = "invalid_renewal"


class CancellationReportRequired(InvalidInput):
    code = "cancellation_report_required"
    default_detail = "Write the cancellation report: why, and what was done under the authority."


class AuthorityNotClosable(WrongState):
    """Something registered in ``authority.closing`` is still to do (a review to approve)."""

    code = "authority_not_closable"


__all__ = [
    name
    for name, value in globals().items()
    if isinstance(value, type) and issubclass(value, DomainError)
]


class NotAnAdministrator(NotPermitted):
    code = "not_an_administrator"
    default_detail = "Only an administrator may change accounts, roles or ranks."


class OwnAccount(NotPermitted):
    code = "own_account"
    default_detail = (
        "You cannot change your own roles, rank or account status: ask another administrator."
    )


class RoleNotForAccount(InvalidInput):
    code = "role_not_for_account"


class AccountUnchanged(WrongState):
    code = "account_unchanged"
