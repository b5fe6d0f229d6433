from datetime import timedelta

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from oversight.checkpoints import latest_checkpoint
from oversight.models import LedgerEntry
from oversight.selectors import actor_filter, day_start

from .serializers import CheckpointSerializer, LedgerEntrySerializer


class LedgerEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(
        method="filter_action", help_text="Exact, or a prefix ending with '.'"
    )
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    actor = django_filters.CharFilter(
        method="filter_actor", help_text="A user id, a username, or 'system'"
    )
    date_from = django_filters.DateFilter(method="filter_from", help_text="UTC date, inclusive")
    date_to = django_filters.DateFilter(method="filter_to", help_text="UTC date, inclusive")
    seq_after = django_filters.NumberFilter(field_name="seq", lookup_expr="gt")

    class Meta:
        model = LedgerEntry
        fields = ["action", "object_type", "object_id"]

    def filter_action(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value.endswith("."):
            return queryset.filter(action__startswith=value)
        return queryset.filter(action=value)

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(actor_filter(value))

    def filter_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(recorded_at__gte=day_start(value))

    def filter_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(recorded_at__lt=day_start(value + timedelta(days=1)))


class InspectLedger(permissions.BasePermission):
    """The oversight role's oversight.inspect_ledger; read-only methods only."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS and request.user.has_perm(
            "oversight.inspect_ledger"
        )


class LedgerPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The ledger, oldest first (read only; for the oversight role). Filter by action,
    object_type, object_id, actor, date_from, date_to (UTC dates) and seq_after; page_size up
    to 1000."""

    serializer_class = LedgerEntrySerializer
    permission_classes = [permissions.IsAuthenticated, InspectLedger]
    filterset_class = LedgerEntryFilter
    pagination_class = LedgerPagination
    ordering_fields = ["seq"]
    ordering = ["seq"]
    lookup_field = "seq"
    lookup_value_regex = r"[0-9]+"
    queryset = LedgerEntry.objects.all()

    @extend_schema(responses=CheckpointSerializer)
    @action(detail=False, methods=["get"])
    def checkpoint(self, request: Request) -> Response:
        """The latest signed checkpoint, to save and check the ledger against later."""
        checkpoint = latest_checkpoint()
        if checkpoint is None:
            raise NotFound("No checkpoint has been signed yet.")
        return Response(CheckpointSerializer(checkpoint.as_document()).data)
