"""The rules of RFR searches and OIFR checks, each broken with its stable code (common.errors)."""

from common.errors import InvalidInput, NotPermitted, WrongState


class NotAnInvestigator(NotPermitted):
    code = "not_an_investigator"
    default_detail = "Only an investigator requests and runs retrospective searches."


class NotTheRequester(NotPermitted):
    code = "not_the_requester"
    default_detail = "Only the investigator who requested this search may do this."


class ApproverRankTooLow(NotPermitted):
    code = "approver_rank_too_low"


class SelfApproval(NotPermitted):
    code = "self_approval"
    default_detail = "An officer never approves their own search request."


class NotAnApprover(NotPermitted):
    code = "not_an_approver"
    default_detail = "Only an authorising officer approves or refuses a retrospective search."


class NotATrainedReviewer(NotPermitted):
    code = "not_a_trained_reviewer"
    default_detail = "Only an officer trained to review RFR candidates reviews them."


class SelfReview(NotPermitted):
    code = "self_review"
    default_detail = (
        "A second officer reviews the candidates: the requester never reviews their own search."
    )


class AuthorityNotUsable(WrongState):
    code = "authority_not_usable"


class SearchWrongState(WrongState):
    code = "search_wrong_state"


class CandidateAlreadyReviewed(WrongState):
    code = "candidate_already_reviewed"


class NoReferenceGallery(WrongState):
    code = "no_reference_gallery"


class CheckNotJustified(InvalidInput):
    code = "check_not_justified"
