"""Every deployment rule broken, each with its stable code (common.errors)."""

from common.errors import InvalidInput, NotPermitted, WrongState


class NotTheSilverCommander(NotPermitted):
    code = "not_the_silver_commander"
    default_detail = "Only the Silver commander named on the authority commands its deployments."


class NotOnTheDeployment(NotPermitted):
    code = "not_on_the_deployment"


class WatchlistNotSignedOff(WrongState):
    code = "watchlist_not_signed_off"


class AlreadyPlanned(WrongState):
    code = "deployment_already_planned"


class DeploymentNotRunning(WrongState):
    code = "deployment_not_running"


class OutsideDeploymentWindow(WrongState):
    code = "outside_deployment_window"


class UnknownCamera(InvalidInput):
    code = "unknown_camera"


class FrameOutOfOrder(WrongState):
    code = "frame_out_of_order"


class CameraBusy(WrongState):
    code = "camera_busy"


class NotAnAdjudicator(NotPermitted):
    code = "not_an_adjudicator"


class NotAnEngagementOfficer(NotPermitted):
    code = "not_an_engagement_officer"


class AlreadyAdjudicated(WrongState):
    code = "alert_already_adjudicated"


class NotAdjudicated(WrongState):
    code = "alert_not_adjudicated"


class ClosedAsNoMatch(WrongState):
    code = "alert_closed_no_match"


class EngagementAlreadyDecided(WrongState):
    code = "engagement_already_decided"


class VideoRefused(InvalidInput):
    """A video the engine's checks refuse at upload (empty, too large, not a video container,
    corrupt, truncated, too long): ``code`` is the engine's own."""

    code = "video_refused"

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail, field="video")
