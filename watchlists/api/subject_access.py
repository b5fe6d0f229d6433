"""Subject access API: GET /api/v1/subject-access/?record_id=... answers one query (ledgered as
``subject_access.searched``), for oversight and administrators."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.serializers import StrictInputSerializer
from watchlists.subject_access import PERMISSION, RECORD_ID_MAX, answer_subject_access

# DRF's own query parameters, which are not the query's input.
RESERVED_PARAMETERS = frozenset({"format"})


class SubjectAccessQuerySerializer(StrictInputSerializer):
    record_id = serializers.CharField(max_length=RECORD_ID_MAX)


class SignOffSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    signed_off_at = serializers.DateTimeField()
    signed_off_by = serializers.CharField()


class WatchlistAppearanceSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    watchlist_id = serializers.IntegerField()
    watchlist_name = serializers.CharField()
    gallery_id = serializers.IntegerField()
    watchlist_status = serializers.CharField()
    authority_reference = serializers.CharField()
    operation_name = serializers.CharField()
    authority_status = serializers.CharField()
    deployment_start = serializers.DateTimeField()
    deployment_end = serializers.DateTimeField()
    location_name = serializers.CharField()
    location_borough = serializers.CharField()
    record_id = serializers.CharField()
    source_system = serializers.CharField()
    category = serializers.CharField()
    added_in = serializers.IntegerField()
    added_at = serializers.DateTimeField()
    added_by = serializers.CharField()
    signed_off = SignOffSerializer(many=True)
    removed_in = serializers.IntegerField(allow_null=True)
    removed_at = serializers.DateTimeField(allow_null=True)
    removal_reason = serializers.CharField()
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    image_held = serializers.BooleanField()
    template_held = serializers.BooleanField()
    data_deleted_at = serializers.DateTimeField(allow_null=True)
    deletion_due_at = serializers.DateTimeField(allow_null=True)
    data_state = serializers.CharField()


class ReferenceAppearanceSerializer(serializers.Serializer):
    image_id = serializers.IntegerField()
    gallery_name = serializers.CharField()
    gallery_kind = serializers.CharField()
    record_id = serializers.CharField()
    source_system = serializers.CharField()
    never_convicted = serializers.BooleanField()
    added_at = serializers.DateTimeField()
    searchable = serializers.BooleanField()
    awaiting_review = serializers.BooleanField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    retention_review_due = serializers.DateField()
    removed_at = serializers.DateTimeField(allow_null=True)
    removal_reason = serializers.CharField()
    data_state = serializers.CharField()


class SubjectAccessReportSerializer(serializers.Serializer):
    record_id = serializers.CharField()
    record_id_sha256 = serializers.CharField()
    generated_at = serializers.DateTimeField()
    count = serializers.IntegerField()
    watchlists = WatchlistAppearanceSerializer(many=True)
    references = ReferenceAppearanceSerializer(many=True)


class CanAnswerSubjectAccess(permissions.BasePermission):
    message = "Only oversight and administrators answer subject access requests."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm(PERMISSION)


class SubjectAccessView(APIView):
    """Every watchlist entry and reference image a record id was on, and what became of the
    data. Each query is on the ledger (who asked, a SHA-256 of the record id, how many
    results); the record id itself is not."""

    permission_classes = [permissions.IsAuthenticated, CanAnswerSubjectAccess]

    @extend_schema(
        parameters=[SubjectAccessQuerySerializer], responses=SubjectAccessReportSerializer
    )
    def get(self, request: Request) -> Response:
        data = {k: v for k, v in request.query_params.items() if k not in RESERVED_PARAMETERS}
        query = SubjectAccessQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        report = answer_subject_access(
            by=request.user, record_id=query.validated_data["record_id"], channel="api"
        )
        response = Response(SubjectAccessReportSerializer(report).data)
        response["Cache-Control"] = "no-store"
        return response
