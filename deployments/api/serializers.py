"""Deployments API serializers: they check shape; the services check the rules. An alert's crop
and the matched person's name and date of birth are masked for readers the redaction registry
does not allow (``deployments.apps``: the people on the deployment and oversight)."""

from django.urls import reverse
from rest_framework import serializers

from authority.models import User
from common.serializers import StrictInputSerializer
from deployments.models import (
    AdjudicationDecision,
    Alert,
    Camera,
    Deployment,
    EngagementOutcome,
    EngagementResult,
)
from deployments.selectors import counters, ledger_counters
from oversight.api.serializers import RestrictedDateField, blank_choice
from oversight.redaction import hidden_fields, shown_value
from watchlists.models import Watchlist

MAX_FRAME_BYTES = 10 * 1024 * 1024

SUMMARY_FIELDS = [
    "id", "name", "authority", "authority_reference", "watchlist", "location", "planned_start",
    "planned_end", "status", "silver_commander", "operators", "engagement_officers", "run_id",
    "started_at", "paused_at", "ended_at", "halted_at", "halted_by", "halt_reason",
    "created_by", "created_at",
]  # fmt: skip


class CameraSerializer(serializers.ModelSerializer):
    class Meta:
        model = Camera
        fields = ["id", "deployment", "name", "last_sequence", "registered_by", "registered_at"]
        read_only_fields = fields


class DeploymentSummarySerializer(serializers.ModelSerializer):
    authority_reference = serializers.CharField(source="authority.reference", read_only=True)

    class Meta:
        model = Deployment
        fields = SUMMARY_FIELDS
        read_only_fields = SUMMARY_FIELDS


class DeploymentSerializer(DeploymentSummarySerializer):
    """One deployment with its cameras, its live counters and the same figures recomputed
    from the ledger events of its run."""

    cameras = CameraSerializer(many=True, read_only=True)
    counters = serializers.SerializerMethodField()
    ledger_counters = serializers.SerializerMethodField()

    class Meta(DeploymentSummarySerializer.Meta):
        fields = [*SUMMARY_FIELDS, "cameras", "counters", "ledger_counters"]
        read_only_fields = fields

    def get_counters(self, obj: Deployment) -> dict:
        return counters(obj).as_dict()

    def get_ledger_counters(self, obj: Deployment) -> dict:
        return ledger_counters(obj).as_dict()


class AlertSerializer(serializers.ModelSerializer):
    entry_record_id = serializers.CharField(source="entry.record_id", read_only=True)
    entry_name = serializers.CharField(source="entry.name", read_only=True)
    entry_date_of_birth = RestrictedDateField(source="entry.date_of_birth")
    crop = serializers.SerializerMethodField()
    entry_image = serializers.SerializerMethodField()
    decision = blank_choice(AdjudicationDecision.choices)
    outcome = blank_choice(EngagementOutcome.choices)
    result = blank_choice(EngagementResult.choices)

    class Meta:
        model = Alert
        fields = [
            "id", "deployment", "camera", "entry", "entry_record_id", "entry_name",
            "entry_date_of_birth", "score", "probe_time", "frame_sequence", "box", "crop",
            "entry_image", "crop_sha256", "crop_deleted_at", "status", "decision",
            "decision_reason", "adjudicated_by", "adjudicated_role", "adjudicated_at", "engaged",
            "outcome", "result", "result_note", "engagement_decided_by",
            "engagement_decided_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_crop(self, obj: Alert) -> str | None:
        """The permission-checked page serving the crop, while it is kept."""
        if not obj.crop or obj.crop_deleted_at:
            return None
        return reverse("deployments:alert-crop", args=[obj.pk])

    def get_entry_image(self, obj: Alert) -> str | None:
        if not obj.entry.image:
            return None
        return reverse("deployments:alert-entry-image", args=[obj.pk])

    def to_representation(self, instance: Alert) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        # No request means no reader: everything restricted is masked.
        hidden = hidden_fields(request.user if request else None, Alert, instance)
        if "crop" in hidden:
            data["entry_image"] = None
        return {key: shown_value(value, field=key, hidden=hidden) for key, value in data.items()}


class PlanInputSerializer(StrictInputSerializer):
    watchlist = serializers.PrimaryKeyRelatedField(queryset=Watchlist.objects.all())
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    operators = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    engagement_officers = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)


class HaltInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class CameraInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100, allow_blank=True)


class CameraRegisteredSerializer(CameraSerializer):
    """The registered camera and its token: the only response that ever carries it."""

    token = serializers.CharField(read_only=True)

    class Meta(CameraSerializer.Meta):
        fields = [*CameraSerializer.Meta.fields, "token"]
        read_only_fields = fields


class FrameInputSerializer(StrictInputSerializer):
    image = serializers.FileField()
    sequence = serializers.IntegerField(min_value=0)

    def validate_image(self, image):
        if image.size > MAX_FRAME_BYTES:
            raise serializers.ValidationError("A frame must be no larger than 10 MB.")
        return image


class VideoInputSerializer(StrictInputSerializer):
    """A recorded video of one of the deployment's cameras; the service checks the file."""

    camera = serializers.IntegerField(min_value=1)
    video = serializers.FileField()


class VideoJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    camera = serializers.IntegerField(source="camera_id")
    status = serializers.CharField()
    frame_count = serializers.IntegerField()
    frames_done = serializers.IntegerField()
    faces_processed = serializers.IntegerField()
    alerts_raised = serializers.IntegerField()
    error_code = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class FrameOutcomeSerializer(serializers.Serializer):
    faces_in_frame = serializers.IntegerField()
    new_faces = serializers.IntegerField()
    alert_ids = serializers.ListField(child=serializers.IntegerField())


class AdjudicateInputSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=AdjudicationDecision.choices)
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class EngageInputSerializer(StrictInputSerializer):
    engage = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=EngagementOutcome.choices)
    result = serializers.ChoiceField(
        choices=EngagementResult.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoInputSerializer(StrictInputSerializer):
    """An action that takes no fields: any field sent is refused, not ignored."""
