"""Reviews API: read reviews; write the narrative, submit, approve and return as POST actions,
each calling one service; a broken rule answers 400/403/409 with ``{"code", "detail"}``."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reviews import selectors
from reviews.services.reviewing import (
    approve_review,
    return_review,
    submit_review,
    update_review_narrative,
)

from .serializers import (
    NarrativeInputSerializer,
    NoInputSerializer,
    ReturnInputSerializer,
    ReviewSerializer,
)


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Post-deployment reviews: opened when a deployment ends, with figures computed from its
    records and checked against its ledger events; written and submitted by a reviewer,
    approved (or returned) by another officer."""

    serializer_class = ReviewSerializer
    filterset_fields = ["status", "deployment"]
    ordering_fields = ["opened_at", "approved_at"]

    def get_queryset(self):
        return selectors.reviews_visible_to(self.request.user)

    def _answer(self, review) -> Response:
        fresh = self.get_queryset().get(pk=review.pk)
        return Response(ReviewSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=NarrativeInputSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def narrative(self, request: Request, pk=None) -> Response:
        review = self.get_object()
        data = NarrativeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            update_review_narrative(review=review, by=request.user, **data.validated_data)
        )

    def _command(self, request: Request, service) -> Response:
        review = self.get_object()
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        return self._answer(service(review=review, by=request.user))

    @extend_schema(request=NoInputSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        return self._command(request, submit_review)

    @extend_schema(request=NoInputSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        return self._command(request, approve_review)

    @extend_schema(request=ReturnInputSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_author(self, request: Request, pk=None) -> Response:
        review = self.get_object()
        data = ReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            return_review(review=review, by=request.user, reason=data.validated_data["reason"])
        )
