"""Registering a deployment's cameras: each gets a secret token for posting frames, shown once
and kept only as its SHA-256."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from authority.models import User
from common.errors import InvalidInput
from common.roles import Role
from deployments.errors import DeploymentNotRunning, NotOnTheDeployment, UnknownCamera
from deployments.models import Camera, Deployment
from deployments.services._common import (
    is_operator_on,
    is_silver_commander,
    lock_deployment,
)
from oversight.ledger import record_event


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def register_camera(*, deployment: Deployment, by: User, name: str) -> tuple[Camera, str]:
    """A camera for a deployment not yet ended, by its Silver commander or one of its
    operators; returns the camera and its token (the only time the token is seen)."""
    deployment = lock_deployment(deployment)
    if is_silver_commander(by, deployment.authority):
        role = Role.SILVER_COMMANDER
    elif is_operator_on(by, deployment):
        role = Role.LFR_OPERATOR
    else:
        raise NotOnTheDeployment(
            "Only the Silver commander or an operator on this deployment may register a camera."
        )
    if deployment.is_ended:
        raise DeploymentNotRunning(
            f"The deployment is {deployment.get_status_display().lower()}: no camera is added."
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the camera in 1 to 100 characters.", field="name")
    if deployment.cameras.filter(name=name).exists():
        raise InvalidInput("This deployment already has a camera of that name.", field="name")
    token = secrets.token_urlsafe(32)
    camera = Camera.objects.create(
        deployment=deployment,
        name=name,
        token_sha256=token_digest(token),
        registered_by=by,
        registered_at=timezone.now(),
    )
    record_event(
        actor=by,
        role=role,
        action="deployment.camera_registered",
        subject=deployment,
        payload={"camera_id": camera.pk, "run_id": deployment.run_id},
    )
    return camera, token


def camera_for_token(*, deployment: Deployment, token: str) -> Camera:
    """The deployment's camera that holds ``token`` (compared in constant time)."""
    digest = token_digest(token or "")
    for camera in deployment.cameras.all():
        if hmac.compare_digest(camera.token_sha256, digest):
            return camera
    raise UnknownCamera("No camera of this deployment holds that token.")
