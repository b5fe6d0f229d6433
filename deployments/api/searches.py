"""RFR searches and OIFR checks API: a viewset per aggregate, state changes as POST actions,
each calling one service; a broken rule answers 400/403/409 with ``{"code", "detail"}``.

    POST /api/v1/searches/                    draft a search request (JSON)
    POST /api/v1/searches/{id}/submit/        submit it for approval
    POST /api/v1/searches/{id}/approve/       {"reasons"}: an approver of the configured rank
    POST /api/v1/searches/{id}/refuse/        {"reasons"}
    POST /api/v1/searches/{id}/run/           multipart ``image``: searched once, never kept
    GET  /api/v1/searches/{id}/candidates/    the candidates the reader may see
    POST /api/v1/searches/{id}/review/        {"candidate", "decision", "reason"}
    GET  /api/v1/checks/                      the checks the reader may see
    POST /api/v1/checks/                      multipart: justification, confirmations, ``image``

Every search and check response carries ``notice``: each candidate is an investigative lead,
not an identification. Uploaded images are held in memory only (``deployments.uploads``).
The lead registers ``ROUTES`` on the v1 router.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from authority.models import Application
from common.serializers import StrictInputSerializer
from deployments import search_selectors as selectors
from deployments.models import (
    LEAD_NOT_IDENTIFICATION,
    CandidateDecision,
    CheckCandidate,
    ImageProvenance,
    Offence,
    OifrJustification,
    OperatorCheck,
    RetrospectiveSearch,
    SearchCandidate,
)
from deployments.services import checks, searches
from deployments.uploads import memory_only, probe_limit, read_probe
from oversight.api.serializers import blank_choice


class MemoryOnlyUploads:
    """Install the memory-only upload handler before DRF (or its CSRF check) reads a body."""

    def initialize_request(self, request, *args, **kwargs):
        memory_only(request)
        return super().initialize_request(request, *args, **kwargs)


class ProbeImageField(serializers.FileField):
    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        if upload.size > probe_limit():
            raise serializers.ValidationError(
                f"The image is larger than the {probe_limit():,} bytes allowed."
            )
        return upload


class CandidateSerializer(serializers.ModelSerializer):
    notice = serializers.SerializerMethodField()
    decision = blank_choice(CandidateDecision.choices)

    class Meta:
        model = SearchCandidate
        fields = [
            "id", "rank", "score", "record_id", "reference_image", "decision", "reason",
            "reviewed_by", "reviewed_at", "notice",
        ]  # fmt: skip
        read_only_fields = fields

    def get_notice(self, obj) -> str:
        return LEAD_NOT_IDENTIFICATION


class SearchSerializer(serializers.ModelSerializer):
    notice = serializers.SerializerMethodField()

    class Meta:
        model = RetrospectiveSearch
        fields = [
            "id", "authority", "crime_reference", "offence", "offence_other",
            "image_provenance", "provenance_detail", "lawful_basis", "necessity",
            "proportionality", "status", "requested_by", "created_at", "submitted_at",
            "decided_by", "decided_at", "decision_reasons", "gallery", "run_by", "run_at",
            "run_id", "probe_sha256", "threshold", "candidate_cap", "candidates_returned",
            "reviewed_at", "notice",
        ]  # fmt: skip
        read_only_fields = fields

    def get_notice(self, obj) -> str:
        return LEAD_NOT_IDENTIFICATION


class SearchCreateSerializer(StrictInputSerializer):
    authority = serializers.PrimaryKeyRelatedField(queryset=Application.objects.all())
    crime_reference = serializers.CharField(allow_blank=True, max_length=60)
    offence = serializers.ChoiceField(choices=Offence.choices)
    offence_other = serializers.CharField(allow_blank=True, required=False, default="")
    image_provenance = serializers.ChoiceField(choices=ImageProvenance.choices)
    provenance_detail = serializers.CharField(allow_blank=True)
    lawful_basis = serializers.CharField(allow_blank=True)
    necessity = serializers.CharField(allow_blank=True)
    proportionality = serializers.CharField(allow_blank=True)


class NoInputSerializer(StrictInputSerializer):
    pass


class ReasonsSerializer(StrictInputSerializer):
    reasons = serializers.CharField(allow_blank=True)


class RunSerializer(StrictInputSerializer):
    image = ProbeImageField()


class ReviewSerializer(StrictInputSerializer):
    candidate = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=CandidateDecision.choices)
    reason = serializers.CharField(allow_blank=True)


class SearchViewSet(MemoryOnlyUploads, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Retrospective searches the reader may see; each state change calls one service."""

    serializer_class = SearchSerializer
    filterset_fields = ["status", "authority"]

    def get_queryset(self):
        return selectors.searches_visible_to(self.request.user).order_by("-created_at", "-pk")

    def _done(self, search, code=status.HTTP_200_OK) -> Response:
        search = RetrospectiveSearch.objects.get(pk=search.pk)
        return Response(SearchSerializer(search).data, status=code)

    @extend_schema(request=SearchCreateSerializer, responses={201: SearchSerializer})
    def create(self, request: Request) -> Response:
        data = SearchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        search = searches.create_search(by=request.user, **data.validated_data)
        return self._done(search, status.HTTP_201_CREATED)

    @extend_schema(request=NoInputSerializer, responses={200: SearchSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        return self._done(searches.submit_search(search=self.get_object(), by=request.user))

    @extend_schema(request=ReasonsSerializer, responses={200: SearchSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        data = ReasonsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        search = searches.approve_search(
            search=self.get_object(), by=request.user, reasons=data.validated_data["reasons"]
        )
        return self._done(search)

    @extend_schema(request=ReasonsSerializer, responses={200: SearchSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk=None) -> Response:
        data = ReasonsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        search = searches.refuse_search(
            search=self.get_object(), by=request.user, reasons=data.validated_data["reasons"]
        )
        return self._done(search)

    @extend_schema(
        request={"multipart/form-data": RunSerializer}, responses={200: SearchSerializer}
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def run(self, request: Request, pk=None) -> Response:
        data = RunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        search = searches.run_search(
            search=self.get_object(),
            by=request.user,
            image=read_probe(data.validated_data["image"]),
        )
        return self._done(search)

    @extend_schema(responses={200: CandidateSerializer(many=True)})
    # The list is capped (WA_RFR_MAX_CANDIDATES) and sent whole: no pagination, as the schema says.
    @action(detail=True, methods=["get"], pagination_class=None)
    def candidates(self, request: Request, pk=None) -> Response:
        visible = selectors.candidates_visible_to(request.user, self.get_object())
        return Response(CandidateSerializer(visible, many=True).data)

    @extend_schema(request=ReviewSerializer, responses={200: CandidateSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk=None) -> Response:
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        search = self.get_object()
        candidate = get_object_or_404(search.candidates, pk=data.validated_data["candidate"])
        candidate = searches.review_candidate(
            candidate=candidate,
            by=request.user,
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
        )
        return Response(CandidateSerializer(candidate).data)


class CheckCandidateSerializer(serializers.ModelSerializer):
    notice = serializers.SerializerMethodField()

    class Meta:
        model = CheckCandidate
        fields = ["rank", "score", "gallery_kind", "record_id", "reference_image", "notice"]
        read_only_fields = fields

    def get_notice(self, obj) -> str:
        return LEAD_NOT_IDENTIFICATION


class CheckSerializer(serializers.ModelSerializer):
    candidates = CheckCandidateSerializer(many=True, read_only=True)
    notice = serializers.SerializerMethodField()

    class Meta:
        model = OperatorCheck
        fields = [
            "id", "authority", "officer", "checked_at", "justification",
            "justification_detail", "less_intrusive_considered", "no_force_used", "run_id",
            "outcome", "outcome_code", "galleries_searched", "candidates_found", "top_score",
            "candidates", "notice",
        ]  # fmt: skip
        read_only_fields = fields

    def get_notice(self, obj) -> str:
        return LEAD_NOT_IDENTIFICATION


class CheckCreateSerializer(StrictInputSerializer):
    authority = serializers.PrimaryKeyRelatedField(queryset=Application.objects.all())
    justification = serializers.ChoiceField(choices=OifrJustification.choices, allow_blank=True)
    justification_detail = serializers.CharField(allow_blank=True)
    less_intrusive_considered = serializers.BooleanField(default=False)
    no_force_used = serializers.BooleanField(default=False)
    image = ProbeImageField()


class CheckViewSet(MemoryOnlyUploads, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """OIFR checks the reader may see; creating one runs it at once (the photo is not kept)."""

    serializer_class = CheckSerializer
    filterset_fields = ["outcome", "authority"]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return (
            selectors.checks_visible_to(self.request.user)
            .prefetch_related("candidates")
            .order_by("-checked_at", "-pk")
        )

    @extend_schema(
        request={"multipart/form-data": CheckCreateSerializer}, responses={201: CheckSerializer}
    )
    def create(self, request: Request) -> Response:
        data = CheckCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        image = read_probe(fields.pop("image"))
        check = checks.run_operator_check(by=request.user, image=image, **fields)
        check = OperatorCheck.objects.prefetch_related("candidates").get(pk=check.pk)
        return Response(CheckSerializer(check).data, status=status.HTTP_201_CREATED)


# (prefix, viewset, basename): the lead registers these on config.api_urls' router.
ROUTES = [
    ("searches", SearchViewSet, "rfr-search"),
    ("checks", CheckViewSet, "oifr-check"),
]
