"""The deployment settings, read when used so a test's override applies (docs/settings.md)."""

from django.conf import settings

from common.roles import Role


def adjudicating_roles() -> tuple[Role, ...]:
    """The roles who adjudicate an alert: the LFR operator by default; South Wales Police has
    the engagement officer adjudicate. Configuration chooses who, never whether: an engagement
    decision always follows a separate adjudication."""
    return tuple(Role(code) for code in settings.WA_ADJUDICATING_ROLES)


def track_expiry_seconds() -> float:
    """A track ends after this long without a sighting of its face in the camera's view."""
    return float(settings.WA_TRACK_EXPIRY_SECONDS)


def track_min_iou() -> float:
    """A box continues a track when it overlaps the track's last box at least this much."""
    return float(settings.WA_TRACK_MIN_IOU)


def track_research_quality_gain() -> float:
    """A followed face is searched again only for a view this much better than its best yet."""
    return float(settings.WA_TRACK_RESEARCH_QUALITY_GAIN)


def video_chunk_frames() -> int:
    """A recorded video's frames are committed (counts and resume point) every this many."""
    return max(1, int(settings.WA_VIDEO_CHUNK_FRAMES))


def video_sample_step(recorded_fps: float) -> int:
    """Search every n-th frame of a video recorded at ``recorded_fps``, so that it is searched
    at about ``WA_VIDEO_SAMPLE_FPS`` (0: every frame)."""
    wanted = float(settings.WA_VIDEO_SAMPLE_FPS)
    if wanted <= 0 or recorded_fps <= wanted:
        return 1
    return max(1, round(recorded_fps / wanted))


def video_lease_seconds() -> float:
    """How long a worker holds a video job between chunks; a job whose worker died is taken up
    again once its lease has run out."""
    return float(settings.WA_VIDEO_LEASE_SECONDS)


def video_requeue_after_seconds() -> float:
    """A queued video job not started this long after it was last enqueued is enqueued again
    (the broker was down, or the message was lost)."""
    return float(settings.WA_VIDEO_REQUEUE_AFTER_SECONDS)


def alert_image_retention_hours() -> float:
    """An alert's crop is deleted this long after the alert (DOMAIN: within 24 hours)."""
    return float(settings.WA_ALERT_IMAGE_RETENTION_HOURS)


def footage_retention_days() -> float:
    """A recorded video's file is deleted this long after its upload at the latest (DOMAIN:
    camera footage at most 31 days); normally it goes as soon as its job stops."""
    return float(settings.WA_FOOTAGE_RETENTION_DAYS)
