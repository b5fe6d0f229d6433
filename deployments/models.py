"""LFR deployments, their cameras and alerts (DOMAIN: Deployment, alerts, adjudication).

A deployment runs one signed-off watchlist at one authorised location inside the watchlist's
planned window. Faces that match nothing leave only a count (faces processed counts people
followed as short-lived tracks, ``deployments.tracking``, never detections); a match is an
``Alert`` with its score and a crop kept only for its retention period, adjudicated by a person
and then decided on by an engagement officer: never acted on automatically.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class DeploymentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    HALTED = "halted", "Halted by the Silver commander"


ENDED_STATUSES = (DeploymentStatus.COMPLETED, DeploymentStatus.HALTED)


class Deployment(models.Model):
    """One LFR deployment under an authority, with its bespoke, signed-off watchlist."""

    authority = models.ForeignKey(
        "authority.Application", on_delete=models.PROTECT, related_name="deployments"
    )
    # A watchlist is bespoke to one deployment (DOMAIN: Watchlists).
    watchlist = models.OneToOneField(
        "watchlists.Watchlist", on_delete=models.PROTECT, related_name="deployment"
    )
    location = models.ForeignKey("authority.Location", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=DeploymentStatus.choices, default=DeploymentStatus.PLANNED
    )
    # The authority's Silver commander, named when planned; commands start, pause and halt.
    silver_commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="deployments_operated", blank=True
    )
    engagement_officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="deployments_engaged", blank=True
    )
    # The gate's run id: every engine event of this deployment carries it.
    run_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    halted_at = models.DateTimeField(null=True, blank=True)
    halted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    halt_reason = models.CharField(max_length=2000, blank=True)
    # Counters: faces processed counts tracks (people seen), not detections.
    frames_processed = models.PositiveBigIntegerField(default=0)
    faces_processed = models.PositiveBigIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-planned_start", "-pk"]
        permissions = [
            ("command_deployment", "Can plan, start, pause, complete and halt a deployment"),
            ("operate_deployment", "Can run a deployment's cameras"),
        ]
        constraints = [
            models.CheckConstraint(
                name="deployment_ends_after_it_starts",
                condition=Q(planned_end__gt=models.F("planned_start")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES


class Camera(models.Model):
    """A camera posting frames to one deployment; its token is shown once, kept as a hash."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="cameras")
    name = models.CharField(max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True)
    # The last frame sequence number accepted: a frame must come after it.
    last_sequence = models.BigIntegerField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["deployment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "name"], name="a_camera_name_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.deployment_id})"


class AlertStatus(models.TextChoices):
    NEW = "new", "New: awaiting adjudication"
    ADJUDICATED = "adjudicated", "Possible match: awaiting the engagement decision"
    CLOSED = "closed", "Closed: no match"
    ENGAGEMENT_DECIDED = "engagement_decided", "Engagement decided"


class AdjudicationDecision(models.TextChoices):
    POSSIBLE_MATCH = "possible_match", "Possible match"
    NO_MATCH = "no_match", "No match"


class EngagementOutcome(models.TextChoices):
    FALSE_ALERT_NOT_ENGAGED = "false_alert_not_engaged", "False alert, not engaged"
    TRUE_ALERT_ENGAGED = "true_alert_engaged", "True alert, engaged"
    FALSE_ALERT_FOUND_ON_ENGAGEMENT = (
        "false_alert_found_on_engagement",
        "False alert found on engagement",
    )


ENGAGED_OUTCOMES = (
    EngagementOutcome.TRUE_ALERT_ENGAGED,
    EngagementOutcome.FALSE_ALERT_FOUND_ON_ENGAGEMENT,
)


class EngagementResult(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    WORDS_OF_ADVICE = "words_of_advice", "Words of advice"
    ARREST = "arrest", "Arrest"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    OTHER = "other", "Other"


class Alert(models.Model):
    """A face in a deployment's frame at or above the threshold for one watchlist entry."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="alerts")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="alerts")
    entry = models.ForeignKey(
        "watchlists.WatchlistEntry", on_delete=models.PROTECT, related_name="alerts"
    )
    # Every alert keeps its score (DOMAIN: a bias study needs scores, not only alerts).
    score = models.FloatField()
    probe_time = models.DateTimeField()
    frame_sequence = models.BigIntegerField()
    # The face's box in the frame (x, y, width, height): a position, not biometric data.
    box = models.JSONField(default=list)
    # The face's crop, kept only for the alert retention period, then deleted by a job.
    crop = models.FileField(upload_to="deployments/alerts/", blank=True, max_length=300)
    crop_sha256 = models.CharField(max_length=64, blank=True)
    crop_deleted_at = models.DateTimeField(null=True, blank=True)
    # A recorded video's alert: its job and the probe (face) index in the frame, so a job
    # resumed after a worker died re-raises nothing (one alert per job, frame and probe).
    video_job = models.ForeignKey(
        "deployments.VideoJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    probe_index = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.NEW)
    decision = models.CharField(max_length=20, choices=AdjudicationDecision.choices, blank=True)
    decision_reason = models.CharField(max_length=2000, blank=True)
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adjudicated_role = models.CharField(max_length=40, blank=True)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    engaged = models.BooleanField(null=True, blank=True)
    outcome = models.CharField(max_length=40, choices=EngagementOutcome.choices, blank=True)
    result = models.CharField(max_length=30, choices=EngagementResult.choices, blank=True)
    result_note = models.CharField(max_length=2000, blank=True)
    engagement_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    engagement_decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-probe_time", "-pk"]
        permissions = [
            ("adjudicate_alert", "Can adjudicate an alert (possible match / no match)"),
            ("decide_engagement", "Can decide whether to engage on an adjudicated alert"),
        ]
        constraints = [
            # Two human decisions before any engagement: never an engagement decision on an
            # alert that no one adjudicated as a possible match.
            models.CheckConstraint(
                name="engagement_only_after_a_possible_match",
                condition=Q(engagement_decided_at__isnull=True)
                | Q(decision="possible_match", adjudicated_at__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["video_job", "frame_sequence", "probe_index"],
                condition=Q(video_job__isnull=False),
                name="a_video_alert_once_per_frame_and_face",
            ),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.deployment_id})"


class VideoStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


VIDEO_FINISHED = (VideoStatus.DONE, VideoStatus.REFUSED, VideoStatus.FAILED)


class VideoJob(models.Model):
    """A recorded video of one of the deployment's cameras, processed frame by frame through
    the deployment's frame path by a Celery task, in chunks; ``frames_done`` is where a job
    resumes after a worker died (``deployments.services.video``)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="videos")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="videos")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    # The uploaded file, deleted once the job stops (done, refused or failed).
    video = models.FileField(upload_to="deployments/videos/", blank=True, max_length=300)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    container = models.CharField(max_length=20, blank=True)
    fps = models.FloatField()
    frame_count = models.PositiveIntegerField()  # frames readable, checked at upload
    duration_s = models.FloatField()
    status = models.CharField(
        max_length=20, choices=VideoStatus.choices, default=VideoStatus.QUEUED
    )
    # The resume point: frames before it were searched and their counts committed.
    frames_done = models.PositiveIntegerField(default=0)
    faces_processed = models.PositiveIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    # When the task was last handed to the broker, and until when a worker holds the job.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Video {self.pk} ({self.deployment_id})"

    @property
    def is_finished(self) -> bool:
        return self.status in VIDEO_FINISHED
