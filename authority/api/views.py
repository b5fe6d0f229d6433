import django_filters
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from authority import selectors, services
from authority.models import User
from authority.rules import NAMED_OFFICERS

from .serializers import (
    AccountCreateInputSerializer,
    AccountReasonsInputSerializer,
    NameableOfficerSerializer,
    OfficerSerializer,
    RankChangeInputSerializer,
    RoleChangeInputSerializer,
)

DRAFT = "authority.draft_application"
VIEW_USERS = "authority.view_user"


class OfficerFilter(django_filters.FilterSet):
    rank_at_least = django_filters.NumberFilter(field_name="rank", lookup_expr="gte")
    role = django_filters.CharFilter(field_name="groups__name")
    eligible_for = django_filters.ChoiceFilter(
        choices=[(field, rule.label) for field, rule in NAMED_OFFICERS.items()],
        method="filter_eligible_for",
        label="Officers an application may name in this field (never the applicant asking)",
    )

    class Meta:
        model = User
        fields = ["kind", "rank", "command_unit"]

    def filter_eligible_for(self, queryset, name, value):
        eligible = selectors.officers_eligible_for(value, applicant=self.request.user)
        return queryset.filter(pk__in=eligible.values("pk"))


class ViewUsersPermission(permissions.BasePermission):
    """Listing accounts needs authority.view_user; anyone signed in may read their own; an
    applicant officer may look up the officers they may name on an application."""

    def has_permission(self, request, view) -> bool:
        if view.action == "me":
            return True
        if request.method not in permissions.SAFE_METHODS:
            # Changes are the services' to refuse (with their own sentence), once listed.
            return request.user.has_perm("authority.change_user")
        return request.user.has_perm(VIEW_USERS) or request.user.has_perm(DRAFT)


# What list and retrieve return depends on the reader (get_serializer_class): the full account,
# or for an applicant looking up whom to name, the nameable view. The schema says both.
OFFICER_OR_NAMEABLE = PolymorphicProxySerializer(
    component_name="OfficerOrNameableOfficer",
    serializers=[OfficerSerializer, NameableOfficerSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(responses=OFFICER_OR_NAMEABLE),
    retrieve=extend_schema(responses=OFFICER_OR_NAMEABLE),
)
class OfficerViewSet(viewsets.ReadOnlyModelViewSet):
    """Officers, staff and oversight accounts.

    Administrators create accounts and change roles, ranks and account status through the
    POST actions; each calls one audited service and is on the ledger. Nobody changes their own.
    """

    serializer_class = OfficerSerializer
    permission_classes = [permissions.IsAuthenticated, ViewUsersPermission]
    filterset_class = OfficerFilter
    ordering_fields = ["rank", "last_name", "username"]
    queryset = User.objects.prefetch_related("groups").order_by("pk")

    def _looks_up_names_only(self) -> bool:
        user = self.request.user
        return self.action != "me" and not user.has_perm(VIEW_USERS) and user.has_perm(DRAFT)

    def get_queryset(self):
        # Administrators see disabled accounts too, so they can enable them again.
        if self.request.user.has_perm("authority.change_user"):
            return self.queryset
        if self._looks_up_names_only():
            nameable = selectors.officers_nameable_by(self.request.user)
            return self.queryset.filter(pk__in=nameable.values("pk"))
        return self.queryset.filter(is_active=True)

    def get_serializer_class(self):
        if self._looks_up_names_only():
            return NameableOfficerSerializer
        return OfficerSerializer

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "applicant": self.request.user}

    def _change(self, request: Request, service, input_serializer) -> Response:
        officer = self.get_object()
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(by=request.user, officer=officer, **data.validated_data)
        officer = User.objects.prefetch_related("groups").get(pk=officer.pk)
        return Response(self.get_serializer(officer).data)

    @extend_schema(request=AccountCreateInputSerializer, responses=OfficerSerializer)
    def create(self, request: Request) -> Response:
        data = AccountCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        officer = services.create_account(by=request.user, **data.validated_data)
        return Response(self.get_serializer(officer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoleChangeInputSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"], url_path="grant-role")
    def grant_role(self, request: Request, pk=None) -> Response:
        return self._change(request, services.grant_role, RoleChangeInputSerializer)

    @extend_schema(request=RoleChangeInputSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"], url_path="withdraw-role")
    def withdraw_role(self, request: Request, pk=None) -> Response:
        return self._change(request, services.withdraw_role, RoleChangeInputSerializer)

    @extend_schema(request=AccountReasonsInputSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk=None) -> Response:
        return self._change(request, services.disable_account, AccountReasonsInputSerializer)

    @extend_schema(request=AccountReasonsInputSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk=None) -> Response:
        return self._change(request, services.enable_account, AccountReasonsInputSerializer)

    @extend_schema(request=RankChangeInputSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"], url_path="change-rank")
    def change_rank(self, request: Request, pk=None) -> Response:
        return self._change(request, services.change_rank, RankChangeInputSerializer)

    @extend_schema(responses=OfficerSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)
