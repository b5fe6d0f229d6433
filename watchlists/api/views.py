"""Watchlists API: a viewset per aggregate, state changes as POST actions, each calling one
service; a broken rule answers 400/403/409 with ``{"code", "detail"}`` (config.api)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from watchlists import selectors
from watchlists.models import DuplicateFlag, WatchlistEntry
from watchlists.services.composition import (
    add_entry,
    create_watchlist,
    open_new_version,
    remove_entry,
)
from watchlists.services.sign_off import (
    approve_under_18_justification,
    decide_duplicate,
    sign_off_watchlist,
)

from .serializers import (
    DecideInputSerializer,
    EntryInputSerializer,
    EntrySerializer,
    FlagSerializer,
    NoInputSerializer,
    RemoveInputSerializer,
    WatchlistCreateInputSerializer,
    WatchlistSerializer,
    WatchlistSummarySerializer,
)


def _no_input(request: Request) -> None:
    NoInputSerializer(data=request.data).is_valid(raise_exception=True)


class WatchlistViewSet(viewsets.ReadOnlyModelViewSet):
    """Watchlists, each for one planned deployment under one live LFR authority.

    Create one, add entries (multipart: the fields and the image), sign it off (the authorising
    officer who decided the authority) and open a new version after sign-off.
    """

    filterset_fields = ["status", "authority"]
    ordering_fields = ["deployment_start", "created_at"]
    search_fields = ["name"]

    def get_queryset(self):
        visible = selectors.watchlists_visible_to(self.request.user)
        if self.action == "retrieve":
            return visible.prefetch_related("versions")
        return visible

    def get_serializer_class(self):
        if self.action == "list":
            return WatchlistSummarySerializer
        return WatchlistSerializer

    def _answer(self, watchlist, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("versions").get(pk=watchlist.pk)
        return Response(
            WatchlistSerializer(fresh, context=self.get_serializer_context()).data, code
        )

    @extend_schema(request=WatchlistCreateInputSerializer, responses=WatchlistSerializer)
    def create(self, request: Request) -> Response:
        data = WatchlistCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        watchlist = create_watchlist(application=fields.pop("authority"), by=request.user, **fields)
        return self._answer(watchlist, status.HTTP_201_CREATED)

    @extend_schema(request=NoInputSerializer, responses=WatchlistSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk=None) -> Response:
        watchlist = self.get_object()
        _no_input(request)
        sign_off_watchlist(watchlist=watchlist, by=request.user)
        return self._answer(watchlist)

    @extend_schema(request=NoInputSerializer, responses=WatchlistSerializer)
    @action(detail=True, methods=["post"], url_path="open-version")
    def open_version(self, request: Request, pk=None) -> Response:
        watchlist = self.get_object()
        _no_input(request)
        open_new_version(watchlist=watchlist, by=request.user)
        return self._answer(watchlist)

    @extend_schema(request=EntryInputSerializer, responses=EntrySerializer)
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def entries(self, request: Request, pk=None) -> Response:
        watchlist = self.get_object()
        data = EntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = data.validated_data["image"]
        entry = add_entry(
            watchlist=watchlist,
            by=request.user,
            details=data.details(),
            image=image.read(),
            image_name=image.name,
        )
        return Response(
            EntrySerializer(entry, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    # LEAD: the import action (another engineer's watchlists/api/imports.py) joins here or is
    # registered beside this viewset in watchlists/api/urls.py ROUTES.


class WatchlistEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Entries of the watchlists you can see; a removed entry stays, with its reason."""

    serializer_class = EntrySerializer
    filterset_fields = ["watchlist", "category"]

    def get_queryset(self):
        visible = selectors.watchlists_visible_to(self.request.user)
        return (
            WatchlistEntry.objects.filter(watchlist__in=visible.values("pk"))
            .select_related("watchlist")
            .order_by("pk")
        )

    @extend_schema(request=RemoveInputSerializer, responses=EntrySerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk=None) -> Response:
        entry = self.get_object()
        data = RemoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = remove_entry(entry=entry, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(entry).data)

    @extend_schema(request=NoInputSerializer, responses=EntrySerializer)
    @action(detail=True, methods=["post"], url_path="approve-justification")
    def approve_justification(self, request: Request, pk=None) -> Response:
        entry = self.get_object()
        _no_input(request)
        entry = approve_under_18_justification(entry=entry, by=request.user)
        return Response(self.get_serializer(entry).data)


class DuplicateFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Pairs of records whose faces score above the high-similarity threshold."""

    serializer_class = FlagSerializer
    filterset_fields = ["watchlist", "decision"]

    def get_queryset(self):
        visible = selectors.watchlists_visible_to(self.request.user)
        return (
            DuplicateFlag.objects.filter(watchlist__in=visible.values("pk"))
            .select_related("entry", "other")
            .order_by("pk")
        )

    @extend_schema(request=DecideInputSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk=None) -> Response:
        flag = self.get_object()
        data = DecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = decide_duplicate(flag=flag, by=request.user, **data.validated_data)
        return Response(self.get_serializer(flag).data)
