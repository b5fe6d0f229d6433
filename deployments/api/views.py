"""Deployments API: a viewset per aggregate, state changes as POST actions, each calling one
service; a broken rule answers 400/403/409 with ``{"code", "detail"}`` (config.api).

A camera posts its frames to ``POST /api/v1/deployments/<id>/frames/`` (multipart ``image``
and ``sequence``) with its token in the ``X-Camera-Token`` header: it authenticates by that
token alone, not by a person's session or API token. Whose frame it is on the ledger (the
``by`` of ``frames.process_frame``): the officer who registered the camera. The service then
requires that officer to be an LFR operator named on the deployment at each frame, so a camera
registered by the Silver commander, or by an operator since removed from the deployment, is
refused (``not_on_the_deployment``) until an operator on the deployment registers one.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from deployments import selectors
from deployments.errors import UnknownCamera
from deployments.models import Deployment
from deployments.services.alerts import adjudicate_alert, decide_engagement
from deployments.services.cameras import camera_for_token, register_camera
from deployments.services.frames import process_frame
from deployments.services.lifecycle import (
    complete_deployment,
    halt_deployment,
    pause_deployment,
    plan_deployment,
    resume_deployment,
    start_deployment,
)
from deployments.services.video import upload_video

from .serializers import (
    AdjudicateInputSerializer,
    AlertSerializer,
    CameraInputSerializer,
    CameraRegisteredSerializer,
    DeploymentSerializer,
    DeploymentSummarySerializer,
    EngageInputSerializer,
    FrameInputSerializer,
    FrameOutcomeSerializer,
    HaltInputSerializer,
    NoInputSerializer,
    PlanInputSerializer,
    VideoInputSerializer,
    VideoJobSerializer,
)

CAMERA_TOKEN_HEADER = "X-Camera-Token"


def _no_input(request: Request) -> None:
    NoInputSerializer(data=request.data).is_valid(raise_exception=True)


class DeploymentViewSet(viewsets.ReadOnlyModelViewSet):
    """LFR deployments, each of one signed-off watchlist under one live authority.

    The Silver commander plans one (POST, naming its operators and engagement officers),
    starts, pauses, resumes, completes or halts it (with a reason); they or an operator on it
    register its cameras. Reading one gives its cameras and counters, and the same counters
    recomputed from the ledger events of its run."""

    filterset_fields = ["status", "authority"]
    ordering_fields = ["planned_start", "created_at"]
    search_fields = ["name"]

    def get_queryset(self):
        visible = selectors.deployments_visible_to(self.request.user)
        if self.action == "retrieve":
            return visible.prefetch_related("cameras", "operators", "engagement_officers")
        return visible.prefetch_related("operators", "engagement_officers")

    def get_serializer_class(self):
        if self.action == "list":
            return DeploymentSummarySerializer
        return DeploymentSerializer

    def _answer(self, deployment, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("cameras").get(pk=deployment.pk)
        return Response(
            DeploymentSerializer(fresh, context=self.get_serializer_context()).data, code
        )

    @extend_schema(request=PlanInputSerializer, responses=DeploymentSerializer)
    def create(self, request: Request) -> Response:
        data = PlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deployment = plan_deployment(by=request.user, **data.validated_data)
        return self._answer(deployment, status.HTTP_201_CREATED)

    def _command(self, request: Request, service) -> Response:
        deployment = self.get_object()
        _no_input(request)
        service(deployment=deployment, by=request.user)
        return self._answer(deployment)

    @extend_schema(request=NoInputSerializer, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk=None) -> Response:
        return self._command(request, start_deployment)

    @extend_schema(request=NoInputSerializer, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk=None) -> Response:
        return self._command(request, pause_deployment)

    @extend_schema(request=NoInputSerializer, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk=None) -> Response:
        return self._command(request, resume_deployment)

    @extend_schema(request=NoInputSerializer, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        return self._command(request, complete_deployment)

    @extend_schema(request=HaltInputSerializer, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def halt(self, request: Request, pk=None) -> Response:
        deployment = self.get_object()
        data = HaltInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        halt_deployment(deployment=deployment, by=request.user, **data.validated_data)
        return self._answer(deployment)

    @extend_schema(request=CameraInputSerializer, responses=CameraRegisteredSerializer)
    @action(detail=True, methods=["post"])
    def cameras(self, request: Request, pk=None) -> Response:
        """Register a camera: the response carries its token, this once."""
        deployment = self.get_object()
        data = CameraInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        camera, token = register_camera(
            deployment=deployment, by=request.user, name=data.validated_data["name"]
        )
        camera.token = token
        response = Response(CameraRegisteredSerializer(camera).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        request={"multipart/form-data": FrameInputSerializer},
        responses=FrameOutcomeSerializer,
        parameters=[
            OpenApiParameter(
                CAMERA_TOKEN_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The camera's token, shown once when it was registered.",
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        # A camera authenticates by its token, not by a person's session or API token.
        authentication_classes=[],
        permission_classes=[AllowAny],
    )
    def frames(self, request: Request, pk=None) -> Response:
        """A camera's frame: searched through the gate as the operator who registered it."""
        # DRF's get_object_or_404: an id that is no integer is a 404, never a 500.
        deployment = get_object_or_404(Deployment, pk=pk)
        camera = camera_for_token(
            deployment=deployment, token=request.headers.get(CAMERA_TOKEN_HEADER, "")
        )
        data = FrameInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = process_frame(
            deployment=deployment,
            camera=camera,
            sequence=data.validated_data["sequence"],
            image=data.validated_data["image"].read(),
            by=camera.registered_by,
        )
        return Response(
            FrameOutcomeSerializer(
                {
                    "faces_in_frame": outcome.faces_in_frame,
                    "new_faces": outcome.new_faces,
                    "alert_ids": list(outcome.alert_ids),
                }
            ).data
        )

    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": VideoInputSerializer},
        responses={202: VideoJobSerializer},
    )
    @extend_schema(methods=["get"], responses=VideoJobSerializer(many=True))
    # The jobs are sent whole, unpaginated, as the schema says.
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def videos(self, request: Request, pk=None) -> Response:
        """A recorded video uploaded for processing (202: queued; its job shows progress), or
        the deployment's video jobs."""
        deployment = self.get_object()
        if request.method == "GET":
            jobs = deployment.videos.order_by("-created_at", "-pk")
            return Response(VideoJobSerializer(jobs, many=True).data)
        data = VideoInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        camera = deployment.cameras.filter(pk=data.validated_data["camera"]).first()
        if camera is None:
            raise UnknownCamera("The deployment has no such camera.", field="camera")
        job = upload_video(
            deployment=deployment, camera=camera, by=request.user, data=data.validated_data["video"]
        )
        return Response(VideoJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alerts of the deployments you are on (oversight: every alert). Adjudicate one
    (possible match / no match, with a reason), then decide on engagement."""

    serializer_class = AlertSerializer
    filterset_fields = ["deployment", "status", "camera"]
    ordering_fields = ["probe_time", "score"]

    def get_queryset(self):
        return selectors.alerts_visible_to(self.request.user).order_by("-probe_time", "-pk")

    def _answer(self, alert) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(request=AdjudicateInputSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def adjudicate(self, request: Request, pk=None) -> Response:
        alert = self.get_object()
        data = AdjudicateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(adjudicate_alert(alert=alert, by=request.user, **data.validated_data))

    @extend_schema(request=EngageInputSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def engage(self, request: Request, pk=None) -> Response:
        alert = self.get_object()
        data = EngageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(decide_engagement(alert=alert, by=request.user, **data.validated_data))
