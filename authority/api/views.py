import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from authority.models import User

from .serializers import OfficerSerializer


class OfficerFilter(django_filters.FilterSet):
    rank_at_least = django_filters.NumberFilter(field_name="rank", lookup_expr="gte")
    role = django_filters.CharFilter(field_name="groups__name")

    class Meta:
        model = User
        fields = ["kind", "rank", "command_unit"]


class ViewUsersPermission(permissions.BasePermission):
    """Listing accounts needs authority.view_user; anyone signed in may read their own."""

    def has_permission(self, request, view) -> bool:
        if view.action == "me":
            return True
        return request.user.has_perm("authority.view_user")


class OfficerViewSet(viewsets.ReadOnlyModelViewSet):
    """Officers, staff and oversight accounts (read only; accounts are managed in the admin)."""

    serializer_class = OfficerSerializer
    permission_classes = [permissions.IsAuthenticated, ViewUsersPermission]
    filterset_class = OfficerFilter
    ordering_fields = ["rank", "last_name", "username"]
    queryset = User.objects.filter(is_active=True).prefetch_related("groups").order_by("pk")

    @extend_schema(responses=OfficerSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)
