"""Bulk import API: serializers check shape; the service checks the archive, the CSV and rules.

    POST /api/v1/watchlists/{id}/import/   multipart ``csv_file`` + ``zip_file`` -> 202, the job
    GET  /api/v1/watchlist-imports/{id}/   the job: status, counts, per-row results

Only watchlist officers start or read imports (``import_selectors``); a list or job they may
not see reads as 404. A refused upload answers 400 with the refusal's ``code`` and ``detail``
(the domain exception handler), before anything is written.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.serializers import StrictInputSerializer
from watchlists.import_selectors import imports_visible_to, may_import, watchlists_open_to_import
from watchlists.models import ImportJob
from watchlists.services.imports import start_import


class MayImport(permissions.BasePermission):
    message = "Only a watchlist officer may import entries or read imports."

    def has_permission(self, request, view) -> bool:
        return may_import(request.user)


class ImportUploadSerializer(StrictInputSerializer):
    csv_file = serializers.FileField()
    zip_file = serializers.FileField()

    def _bounded(self, upload, limit: int, what: str):
        if upload.size > int(limit):
            raise serializers.ValidationError(
                f"The {what} is larger than the {int(limit):,} bytes allowed."
            )
        return upload

    def validate_csv_file(self, upload):
        return self._bounded(upload, settings.WA_IMPORT_MAX_CSV_BYTES, "CSV")

    def validate_zip_file(self, upload):
        return self._bounded(upload, settings.WA_IMPORT_MAX_TOTAL_BYTES, "ZIP")


class ImportResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    record_id = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["kept", "refused"])
    code = serializers.CharField(allow_blank=True)
    detail = serializers.CharField(allow_blank=True)
    field = serializers.CharField(required=False)
    entry_id = serializers.IntegerField(required=False)


class ImportJobSerializer(serializers.ModelSerializer):
    refused_rows = serializers.SerializerMethodField()
    results = ImportResultSerializer(many=True, read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "watchlist", "status", "created_by", "created_at", "started_at",
            "finished_at", "total_rows", "processed_rows", "kept_rows", "refused_rows",
            "results", "error_code", "error", "csv_sha256", "zip_sha256",
        ]  # fmt: skip
        read_only_fields = fields

    def get_refused_rows(self, obj: ImportJob) -> int:
        return obj.processed_rows - obj.kept_rows


class WatchlistImportView(APIView):
    """POST a CSV and a ZIP to import into a watchlist being composed: 202 with the job."""

    permission_classes = [permissions.IsAuthenticated, MayImport]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportJobSerializer})
    def post(self, request: Request, pk: int) -> Response:
        watchlist = get_object_or_404(watchlists_open_to_import(request.user), pk=pk)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = start_import(
            watchlist=watchlist,
            by=request.user,
            csv_bytes=upload.validated_data["csv_file"].read(),
            zip_bytes=upload.validated_data["zip_file"].read(),
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Imports the reader may see, newest first; one with its per-row results."""

    serializer_class = ImportJobSerializer
    permission_classes = [permissions.IsAuthenticated, MayImport]
    filterset_fields = ["watchlist", "status"]

    def get_queryset(self):
        return imports_visible_to(self.request.user).order_by("-created_at", "-pk")
