"""Applications API: serializers check shape; services check rules."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from authority import selectors, services
from authority.models import (
    Alternative,
    Application,
    Condition,
    ConditionKind,
    Decision,
    ImpactAssessment,
    Location,
    Mode,
    User,
    WatchlistCategory,
)
from authority.models.limits import (
    FOOTFALL_TOO_LARGE,
    FOOTFALL_TOO_SMALL,
    MAX_FOOTFALL,
    NOTE_CHARS,
    REASONS_CHARS,
)
from authority.rules import ConditionSpec
from authority.services.drafting import MAX_ROWS
from common.serializers import (
    PlausibleDatesModelSerializer,
    PlausibleDateTimeField,
    StrictInputSerializer,
)
from oversight.redaction import hidden_fields, shown_value


class AlternativeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alternative
        fields = ["description", "outcome", "reason"]


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "borough", "location_type", "justification"]
        read_only_fields = ["id"]


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImpactAssessment
        fields = ["kind", "reference", "version", "approved_on", "review_date"]


class ConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Condition
        fields = ["kind", "text", "value"]


class DecisionSerializer(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True, read_only=True)
    authorised_locations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id", "outcome", "decided_by", "decided_by_rank", "decided_at", "reasons",
            "superintendent_unavailable_reason", "mitigation_response", "authorised_start",
            "authorised_end", "threshold", "model_version", "max_watchlist_size",
            "authorised_categories", "authorised_locations", "review_by", "conditions",
        ]  # fmt: skip


class ApplicationSerializer(PlausibleDatesModelSerializer):
    # Text fields take their bounds from the model (authority.models.limits); rows are bounded
    # here as in the service (drafting.MAX_ROWS).
    alternatives = AlternativeSerializer(many=True, required=False, max_length=MAX_ROWS)
    locations = LocationSerializer(many=True, required=False, max_length=MAX_ROWS)
    assessments = AssessmentSerializer(many=True, required=False, max_length=MAX_ROWS)
    decisions = DecisionSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField()
    submitted_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    gold_commander = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    silver_commander = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    bronze_commander = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    mode = serializers.ChoiceField(choices=Mode.choices)
    # Choice and code validation is the service's job, so its sentence is the one returned.
    legitimate_aim = serializers.CharField(required=False, allow_blank=True)
    legal_bases = serializers.JSONField(required=False)
    requested_categories = serializers.JSONField(required=False)
    # The same bound and sentences as the form (authority.models.limits).
    expected_footfall = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_FOOTFALL,
        error_messages={
            "invalid": FOOTFALL_TOO_SMALL,
            "min_value": FOOTFALL_TOO_SMALL,
            "max_value": FOOTFALL_TOO_LARGE,
        },
    )

    class Meta:
        model = Application
        fields = [
            "id", "reference", "status", "applicant", "mode", "operation_name", "aim",
            "legitimate_aim", "legal_bases", "schedule_8_condition", "intelligence_case",
            "necessity", "proportionality", "watchlist_rationale", "requested_categories",
            "max_watchlist_size", "expected_footfall", "start_at", "end_at", "advance_notice",
            "notice_details", "no_notice_reason", "no_notice_explanation", "safeguards",
            "gold_commander", "silver_commander", "bronze_commander", "resourcing",
            "equality_considerations", "model_version", "requested_threshold", "affects_assembly",
            "article_10_11_assessment", "training_confirmed", "is_urgent", "urgency_reason",
            "submitted_to", "submitted_at", "valid_from", "valid_until", "lapses_at",
            "review_by", "halted_at", "halted_by", "halt_reasons", "alternatives", "locations",
            "assessments", "decisions", "documents", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "reference", "status", "applicant", "submitted_at", "valid_from", "valid_until",
            "lapses_at", "review_by", "halted_at", "halted_by", "halt_reasons", "created_at",
            "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"operation_name": {"required": True}}

    def get_documents(self, obj: Application) -> list[dict]:
        return [
            {"version": d.version, "reason": d.reason, "sha256": d.sha256, "issued_at": d.issued_at}
            for d in obj.documents.all()
        ]

    def to_representation(self, instance: Application) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        # No request means no reader: everything restricted is masked.
        hidden = hidden_fields(request.user if request else None, Application, instance)
        return {key: shown_value(value, field=key, hidden=hidden) for key, value in data.items()}


# A list's columns: no statement, no row, nothing restricted.
SUMMARY_FIELDS = [
    "id", "reference", "status", "mode", "operation_name", "applicant", "submitted_to",
    "is_urgent", "start_at", "end_at", "model_version", "requested_threshold", "submitted_at",
    "valid_from", "valid_until", "lapses_at", "halted_at", "created_at", "updated_at",
]  # fmt: skip


class ApplicationSummarySerializer(serializers.ModelSerializer):
    """One application in a list: what it is, where it stands and when — never its statements
    or rows (read ``/applications/{id}/`` for those), so a list stays small whatever they hold."""

    class Meta:
        model = Application
        fields = SUMMARY_FIELDS
        read_only_fields = SUMMARY_FIELDS


class WindowValueSerializer(StrictInputSerializer):
    start = PlausibleDateTimeField()
    end = PlausibleDateTimeField()


# The shape of a condition's value, by kind; the service then checks it only narrows the request.
CONDITION_VALUE_FIELDS = {
    ConditionKind.WATCHLIST_SIZE: lambda: serializers.IntegerField(min_value=1),
    ConditionKind.THRESHOLD: lambda: serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1
    ),
    ConditionKind.WINDOW: WindowValueSerializer,
    ConditionKind.LOCATIONS: lambda: serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=100
    ),
    ConditionKind.CATEGORIES: lambda: serializers.ListField(
        child=serializers.ChoiceField(choices=WatchlistCategory.choices),
        allow_empty=False,
        max_length=len(WatchlistCategory.choices),
    ),
}


class ConditionInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=ConditionKind.choices)
    text = serializers.CharField(allow_blank=True, max_length=NOTE_CHARS)
    value = serializers.JSONField(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        """Check the value's shape for its kind, so every malformed value is a 400 on `value`."""
        kind, value = attrs["kind"], attrs.get("value")
        make_field = CONDITION_VALUE_FIELDS.get(kind)
        if make_field is None:
            if value is not None:
                raise serializers.ValidationError({"value": "A safeguard takes no value."})
            return attrs
        if value is None:
            raise serializers.ValidationError({"value": f"A {kind} condition needs a value."})
        try:
            value = make_field().run_validation(value)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"value": error.detail}) from None
        if kind == ConditionKind.WINDOW:
            value = (value["start"], value["end"])
            if value[1] <= value[0]:
                raise serializers.ValidationError({"value": "The window must end after it starts."})
        attrs["value"] = value
        return attrs

    def to_spec(self) -> ConditionSpec:
        return spec_from(self.validated_data)


def spec_from(data: dict) -> ConditionSpec:
    return ConditionSpec(data["kind"], data["text"], data.get("value"))


TEXT_LIMIT = REASONS_CHARS  # characters: the longest reasons or findings a person writes


def _text(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=TEXT_LIMIT, **kwargs)


class NoInputSerializer(StrictInputSerializer):
    """An action that takes no fields: any field sent is refused, not ignored."""


class SubmitInputSerializer(StrictInputSerializer):
    """Submission may name (or change) the authorising officer in the same request; find
    whom with ``GET /api/v1/officers/?eligible_for=submitted_to``."""

    submitted_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )


class ReasonsInputSerializer(StrictInputSerializer):
    reasons = _text(allow_blank=True)


class AuthoriseInputSerializer(ReasonsInputSerializer):
    conditions = ConditionInputSerializer(many=True, required=False, max_length=50)
    mitigation_response = _text(required=False, allow_blank=True, default="")
    review_by = PlausibleDateTimeField(required=False, allow_null=True, default=None)

    def condition_specs(self) -> list[ConditionSpec]:
        return [spec_from(item) for item in self.validated_data.get("conditions", [])]


class UrgentAuthoriseInputSerializer(ReasonsInputSerializer):
    conditions = ConditionInputSerializer(many=True, required=False, max_length=50)
    mitigation_response = _text(required=False, allow_blank=True, default="")
    superintendent_unavailable_reason = _text(required=False, allow_blank=True, default="")

    condition_specs = AuthoriseInputSerializer.condition_specs


class RatifyInputSerializer(ReasonsInputSerializer):
    """Ratification confirms the urgent decision's scope: it takes no conditions."""

    mitigation_response = _text(required=False, allow_blank=True, default="")
    review_by = PlausibleDateTimeField(required=False, allow_null=True, default=None)


class CancelInputSerializer(StrictInputSerializer):
    reasons = _text(allow_blank=True)
    report = _text(allow_blank=True)


class ConsultInputSerializer(StrictInputSerializer):
    outcome = serializers.CharField(max_length=32)
    comments = _text(allow_blank=True)
    mitigation = _text(required=False, allow_blank=True, default="")


class RenewInputSerializer(StrictInputSerializer):
    reasons = _text(allow_blank=True)
    new_end = PlausibleDateTimeField()


class ReviewInputSerializer(StrictInputSerializer):
    findings = _text(allow_blank=True)
    outcome = serializers.CharField(max_length=32)
    next_review_by = PlausibleDateTimeField(required=False, allow_null=True, default=None)


ROW_KEYS = ("alternatives", "locations", "assessments")


def _split(validated: dict) -> tuple[dict, dict]:
    fields = {k: v for k, v in validated.items() if k not in ROW_KEYS}
    rows = {k: [dict(r) for r in validated[k]] for k in ROW_KEYS if k in validated}
    return fields, rows


class ApplicationViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Applications to use facial recognition and their lifecycle.

    State changes are POST actions; each calls one service and answers 400/403/409 with
    `{"code", "detail"}` when a rule is broken.
    """

    serializer_class = ApplicationSerializer
    filterset_fields = ["status", "mode", "is_urgent"]
    ordering_fields = ["created_at", "start_at", "reference"]
    search_fields = ["reference", "operation_name"]

    def get_serializer_class(self):
        if self.action == "list":
            return ApplicationSummarySerializer
        return ApplicationSerializer

    def get_queryset(self):
        visible = selectors.applications_visible_to(self.request.user)
        if self.action == "list":
            return visible.only(*SUMMARY_FIELDS).order_by("-created_at")
        return visible.prefetch_related(
            "alternatives",
            "locations",
            "assessments",
            "decisions__conditions",
            "decisions__authorised_locations",
            "documents",
        ).order_by("-created_at")

    def perform_create(self, serializer) -> None:
        fields, rows = _split(serializer.validated_data)
        serializer.instance = services.save_draft(by=self.request.user, fields=fields, **rows)

    def perform_update(self, serializer) -> None:
        fields, rows = _split(serializer.validated_data)
        serializer.instance = services.save_draft(
            by=self.request.user, application=serializer.instance, fields=fields, **rows
        )

    def _act(self, request: Request, service, input_serializer=None, **kwargs) -> Response:
        application = self.get_object()
        params = {}
        if input_serializer is not None:
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            params = dict(data.validated_data)
            if "conditions" in params:
                params["conditions"] = data.condition_specs()
        service(application=application, by=request.user, **params, **kwargs)
        application.refresh_from_db()
        return Response(self.get_serializer(application).data)

    @extend_schema(request=SubmitInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        return self._act(request, services.submit_application, SubmitInputSerializer)

    @extend_schema(request=AuthoriseInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def authorise(self, request: Request, pk=None) -> Response:
        return self._act(request, services.authorise_application, AuthoriseInputSerializer)

    @extend_schema(request=UrgentAuthoriseInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="urgent-authorise")
    def urgent_authorise(self, request: Request, pk=None) -> Response:
        return self._act(
            request, services.urgently_authorise_application, UrgentAuthoriseInputSerializer
        )

    @extend_schema(request=ReasonsInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk=None) -> Response:
        return self._act(request, services.refuse_application, ReasonsInputSerializer)

    @extend_schema(request=ReasonsInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_amendment(self, request: Request, pk=None) -> Response:
        return self._act(request, services.return_application, ReasonsInputSerializer)

    @extend_schema(request=RatifyInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def ratify(self, request: Request, pk=None) -> Response:
        return self._act(request, services.ratify_urgent_authority, RatifyInputSerializer)

    @extend_schema(request=CancelInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        return self._act(request, services.cancel_authority, CancelInputSerializer)

    @extend_schema(request=ReasonsInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def halt(self, request: Request, pk=None) -> Response:
        return self._act(request, services.halt_authority, ReasonsInputSerializer)

    @extend_schema(request=ReasonsInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk=None) -> Response:
        return self._act(request, services.resume_authority, ReasonsInputSerializer)

    @extend_schema(request=ConsultInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def consult(self, request: Request, pk=None) -> Response:
        return self._act(request, services.consult_chief_officer, ConsultInputSerializer)

    @extend_schema(request=RenewInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk=None) -> Response:
        return self._act(request, services.renew_authority, RenewInputSerializer)

    @extend_schema(request=ReviewInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk=None) -> Response:
        return self._act(request, services.review_authority, ReviewInputSerializer)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="The Written Authority Document; `?version=N` for an earlier version.",
    )
    @action(detail=True, methods=["get"], url_path="wad.pdf")
    def wad(self, request: Request, pk=None) -> HttpResponse:
        application = self.get_object()
        documents = application.documents.all()
        version = request.query_params.get("version")
        if version:
            document = get_object_or_404(documents, version=version if version.isdigit() else 0)
        else:
            document = documents.order_by("-version").first()
            if document is None:
                return Response(
                    {"code": "no_wad", "detail": "No WAD has been issued yet."},
                    status=status.HTTP_404_NOT_FOUND,
                )
        response = HttpResponse(bytes(document.content), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.filename}"'
        response["X-Content-SHA256"] = document.sha256
        return response
