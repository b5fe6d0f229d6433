"""Every review and publication rule broken, each with its stable code (common.errors)."""

from common.errors import InvalidInput, NotPermitted, WrongState


class NotAReviewer(NotPermitted):
    code = "not_a_reviewer"
    default_detail = "Only an officer holding the Reviewer role writes post-deployment reviews."


class NotAnApprover(NotPermitted):
    code = "not_a_review_approver"
    default_detail = "Only an officer who may approve reviews approves or returns one."


class SelfApproval(NotPermitted):
    code = "review_self_approval"
    default_detail = "A review is approved by an officer other than its author: ask another."


class DeploymentNotEnded(WrongState):
    code = "deployment_not_ended"
    default_detail = "A review opens only when its deployment has completed or been halted."


class ReviewNotOpen(WrongState):
    code = "review_not_open"


class ReviewNotSubmitted(WrongState):
    code = "review_not_submitted"


class ReviewIncomplete(InvalidInput):
    code = "review_incomplete"


class AlertsUndecided(WrongState):
    code = "review_alerts_undecided"


class FiguresDisagree(WrongState):
    """The records and the ledger give different figures: someone must find out why."""

    code = "review_figures_disagree"


class FiguresChanged(WrongState):
    code = "review_figures_changed"


class DeletionNotAttested(WrongState):
    code = "review_deletion_not_attested"


class NotAPublisher(NotPermitted):
    code = "not_a_publisher"
    default_detail = "Only someone holding the Publisher role approves what goes out."
