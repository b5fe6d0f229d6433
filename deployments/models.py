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
# An alert is false when adjudicated no match or when its engagement outcome says so.
FALSE_OUTCOMES = (
    EngagementOutcome.FALSE_ALERT_NOT_ENGAGED,
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


# ---------------------------------------------------------------------------------------------
# RFR searches and OIFR checks (DOMAIN: RFR and OIFR controls). Kept in one section, after the
# LFR models, so the two capabilities merge cleanly.
#
# A retrospective search is a request per case under a live RFR authority, approved by an
# officer of at least WA_RFR_APPROVER_MINIMUM_RANK who is not the requester; its probe image
# is searched once through the gate and never stored (its SHA-256 alone is kept, to show which
# image was searched). Its candidates are investigative leads, not identifications: each is
# reviewed by a second, trained officer before any is released to the requester.
#
# An operator-initiated check is one justified, logged use under a standing OIFR authority:
# the photo is searched at once against the custody and missing-person galleries and dropped.
# ---------------------------------------------------------------------------------------------

LEAD_NOT_IDENTIFICATION = "Investigative lead — not an identification."


class Offence(models.TextChoices):
    """The offence under investigation: a closed list, "other" with the offence written."""

    HOMICIDE = "homicide", "Homicide"
    VIOLENCE_WITH_INJURY = "violence_with_injury", "Violence with injury"
    SEXUAL_OFFENCE = "sexual_offence", "Sexual offence"
    ROBBERY = "robbery", "Robbery"
    BURGLARY = "burglary", "Burglary"
    THEFT = "theft", "Theft"
    FRAUD = "fraud", "Fraud"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage or arson"
    WEAPONS = "weapons", "Possession of weapons"
    DRUGS = "drugs", "Drug offence"
    PUBLIC_ORDER = "public_order", "Public order offence"
    OTHER = "other", "Other (write the offence)"


class ImageProvenance(models.TextChoices):
    """Where the probe image came from: a closed list, with the detail written beside it."""

    CCTV_PUBLIC = "cctv_public", "CCTV in a public place"
    CCTV_PRIVATE = "cctv_private", "CCTV from a business or home"
    BODY_WORN = "body_worn", "Police body-worn video"
    PUBLIC_SUBMISSION = "public_submission", "Image given by a member of the public"
    OPEN_SOURCE = "open_source", "Open-source or social media image"
    OTHER = "other", "Other (describe it)"


class SearchStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved: ready to run"
    REFUSED = "refused", "Refused"
    RUN = "run", "Run: candidates awaiting review"
    REVIEWED = "reviewed", "Reviewed: leads released"


class RetrospectiveSearch(models.Model):
    """One RFR search request for one case, under a live RFR authority."""

    authority = models.ForeignKey(
        "authority.Application", on_delete=models.PROTECT, related_name="retrospective_searches"
    )
    crime_reference = models.CharField(max_length=60)
    offence = models.CharField(max_length=30, choices=Offence.choices)
    offence_other = models.CharField(max_length=200, blank=True)
    image_provenance = models.CharField(max_length=30, choices=ImageProvenance.choices)
    provenance_detail = models.CharField(max_length=2000)
    lawful_basis = models.CharField(max_length=2000)
    necessity = models.TextField(max_length=4000)
    proportionality = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=20, choices=SearchStatus.choices, default=SearchStatus.DRAFT
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rfr_searches"
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.CharField(max_length=4000, blank=True)
    # The run: which gallery, the gate's run id, the probe's hash (never the image), the cap.
    gallery = models.ForeignKey(
        "watchlists.ReferenceGallery",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run_at = models.DateTimeField(null=True, blank=True)
    run_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    probe_sha256 = models.CharField(max_length=64, blank=True)
    threshold = models.CharField(max_length=20, blank=True)
    candidate_cap = models.PositiveIntegerField(null=True, blank=True)
    candidates_returned = models.PositiveIntegerField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "retrospective searches"
        permissions = [
            ("request_retrospective_search", "Can request and run a retrospective search"),
            ("approve_retrospective_search", "Can approve or refuse a retrospective search"),
            ("review_rfr_candidates", "Trained to review a retrospective search's candidates"),
        ]
        constraints = [
            models.CheckConstraint(
                name="rfr_offence_other_is_written",
                condition=~Q(offence="other") | ~Q(offence_other=""),
            ),
            models.CheckConstraint(
                name="rfr_approver_is_not_the_requester",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"RFR search {self.pk} ({self.crime_reference})"

    @property
    def offence_label(self) -> str:
        return self.offence_other if self.offence == Offence.OTHER else self.get_offence_display()


class CandidateDecision(models.TextChoices):
    POSSIBLE_LEAD = "possible_lead", "Possible lead (to corroborate)"
    EXCLUDED = "excluded", "Excluded"


class SearchCandidate(models.Model):
    """One candidate a search returned: the enrolled reference image, its score and rank.
    Written by the gate's on_candidates hook, in the transaction of its candidates event."""

    search = models.ForeignKey(
        RetrospectiveSearch, on_delete=models.PROTECT, related_name="candidates"
    )
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    reference_image = models.ForeignKey(
        "watchlists.ReferenceImage", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The template may later leave the gallery (a retention review): its id stays as it was.
    enrolled_face_id_at_search = models.BigIntegerField()
    record_id = models.CharField(max_length=120)
    decision = models.CharField(max_length=20, choices=CandidateDecision.choices, blank=True)
    reason = models.CharField(max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["search", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["search", "rank"], name="a_search_rank_once"),
            models.CheckConstraint(
                name="rfr_candidate_decided_with_reason",
                condition=Q(decision="") | (~Q(reason="") & Q(reviewed_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"Candidate {self.rank} of search {self.search_id}"


class OifrJustification(models.TextChoices):
    """Why the officer photographs the person: a closed list, with free text beside it."""

    SUSPECT_REFUSES_NAME = (
        "suspect_refuses_name",
        "Suspected of an offence and refuses to give their name",
    )
    FALSE_NAME_SUSPECTED = (
        "false_name_suspected",
        "Reasonable grounds to suspect a false name or details",
    )
    MISSING_OR_VULNERABLE = "missing_or_vulnerable", "Believed missing or vulnerable"
    UNABLE_TO_IDENTIFY = (
        "unable_to_identify",
        "Unable to give their identity (unconscious, incapacitated)",
    )
    OTHER = "other", "Other (explain)"


class CheckOutcome(models.TextChoices):
    CANDIDATES = "candidates", "Candidates found"
    NO_CANDIDATES = "no_candidates", "No candidate reached the threshold"
    PHOTO_REJECTED = "photo_rejected", "Photo rejected by the quality rules"
    REFUSED = "refused", "Refused by the gate"


class OperatorCheck(models.Model):
    """One logged OIFR check: who, when, why, and what it found. The photo is never kept."""

    authority = models.ForeignKey(
        "authority.Application", on_delete=models.PROTECT, related_name="operator_checks"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oifr_checks"
    )
    checked_at = models.DateTimeField()
    justification = models.CharField(max_length=40, choices=OifrJustification.choices)
    justification_detail = models.CharField(max_length=2000)
    less_intrusive_considered = models.BooleanField()
    no_force_used = models.BooleanField()
    run_id = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(max_length=20, choices=CheckOutcome.choices)
    outcome_code = models.CharField(max_length=60, blank=True)
    galleries_searched = models.PositiveSmallIntegerField(default=0)
    candidates_found = models.PositiveIntegerField(default=0)
    top_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        permissions = [("run_operator_check", "Can run an operator-initiated check")]
        constraints = [
            models.CheckConstraint(
                name="oifr_check_was_justified",
                condition=Q(less_intrusive_considered=True, no_force_used=True)
                & ~Q(justification_detail=""),
            ),
        ]

    def __str__(self) -> str:
        return f"OIFR check {self.pk}"


class CheckCandidate(models.Model):
    """One candidate an OIFR check returned (a lead, not an identification)."""

    operator_check = models.ForeignKey(
        OperatorCheck, on_delete=models.PROTECT, related_name="candidates"
    )
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    gallery_kind = models.CharField(max_length=20)
    reference_image = models.ForeignKey(
        "watchlists.ReferenceImage", on_delete=models.PROTECT, null=True, related_name="+"
    )
    record_id = models.CharField(max_length=120)

    class Meta:
        ordering = ["operator_check", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["operator_check", "rank"], name="a_check_rank_once"),
        ]

    def __str__(self) -> str:
        return f"Candidate {self.rank} of check {self.operator_check_id}"
