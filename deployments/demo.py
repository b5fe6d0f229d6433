"""The demo's deployment: Operation Osprey's signed-off watchlist (``watchlists.demo``) deployed
at the riverside festival's main gate, started, a camera registered, and a short recorded
video of that camera processed through the real path, leaving alerts waiting for adjudication.

The video is generated here from the sample images inside installed packages (README, "Demo
images"), never a download: the camera pans slowly across insightface's group photo
(``t1.jpg``), whose listed faces alert, while scikit-image's astronaut, also listed, walks
across the lower part of the view. Each person is one face processed however many frames they
are in. Idempotent: a second run finds the deployment and its processed video and says so.
"""

import os
import tempfile

import cv2
import numpy as np
from PIL import Image

from authority.models import User
from common.errors import DomainError
from deployments.models import Deployment, DeploymentStatus, VideoJob, VideoStatus
from deployments.services.cameras import register_camera
from deployments.services.lifecycle import plan_deployment, start_deployment
from deployments.services.video import run_video_job, upload_video
from watchlists.demo import WATCHLIST, sample_images
from watchlists.models import Watchlist, WatchlistStatus

CAMERA = "Main gate, camera 1"
SECONDS = 5
FPS = 10
WIDTH, HEIGHT = 960, 540


def demo_frames(seconds: float = SECONDS, fps: int = FPS) -> list[np.ndarray]:
    """RGB frames: a slow pan across the group photo, the astronaut walking across below."""
    paths = sample_images()
    group = Image.open(paths["t1"]).convert("RGB")
    scale = 1100 / group.width
    group = np.asarray(group.resize((1100, int(group.height * scale))))
    astronaut = np.asarray(Image.open(paths["astronaut"]).convert("RGB").resize((220, 220)))
    count = int(seconds * fps)
    frames = []
    for n in range(count):
        share = n / max(1, count - 1)
        x0 = int(share * (group.shape[1] - WIDTH))
        frame = np.full((HEIGHT, WIDTH, 3), 110, np.uint8)
        view = group[:HEIGHT, x0 : x0 + WIDTH]
        frame[: view.shape[0], : view.shape[1]] = view
        ax = int(share * (WIDTH - astronaut.shape[1]))
        ay = HEIGHT - astronaut.shape[0]
        frame[ay:, ax : ax + astronaut.shape[1]] = astronaut
        frames.append(frame)
    return frames


def encode_video(frames: list[np.ndarray], fps: float = FPS) -> bytes:
    """The frames as an MJPEG AVI (OpenCV), as a camera's recorder would hand them over."""
    handle, path = tempfile.mkstemp(prefix="wa-demo-video-", suffix=".avi")
    os.close(handle)
    try:
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
        for rgb in frames:
            writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        writer.release()
        with open(path, "rb") as source:
            return source.read()
    finally:
        os.unlink(path)


def demo_video() -> bytes:
    return encode_video(demo_frames())


def _say(stdout, job: VideoJob) -> None:
    stdout.write(
        f"Demo deployment: a {job.duration_s:g} s video from “{job.camera.name}” "
        f"({job.frame_count} frames), {job.get_status_display().lower()}: "
        f"{job.faces_processed} faces processed, {job.alerts_raised} alerts awaiting "
        "adjudication."
    )


def seed(*, users: dict[str, User], stdout) -> None:
    """Plan and start the Osprey deployment, register its camera, process the demo video."""
    watchlist = Watchlist.objects.filter(name=WATCHLIST).first()
    if watchlist is None or watchlist.status != WatchlistStatus.SIGNED_OFF:
        stdout.write("Demo deployment: no signed-off demo watchlist; nothing deployed.")
        return
    try:
        deployment = Deployment.objects.filter(watchlist=watchlist).first()
        if deployment is None:
            deployment = plan_deployment(
                watchlist=watchlist,
                by=users["silver"],
                operators=[users["operator"]],
                engagement_officers=[users["engagement"]],
            )
        if deployment.status == DeploymentStatus.PLANNED:
            deployment = start_deployment(deployment=deployment, by=users["silver"])
        done = deployment.videos.filter(status=VideoStatus.DONE).first()
        if done is not None:
            _say(stdout, done)
            return
        if deployment.status != DeploymentStatus.RUNNING:
            stdout.write(
                f"Demo deployment: {deployment.get_status_display().lower()}; no video processed."
            )
            return
        camera = deployment.cameras.filter(name=CAMERA).first()
        if camera is None:
            camera, _token = register_camera(deployment=deployment, by=users["silver"], name=CAMERA)
        job = upload_video(
            deployment=deployment, camera=camera, by=users["operator"], data=demo_video()
        )
        # With a broker the worker may have it already (then this is a no-op); without one
        # the on-commit enqueue ran it eagerly; either way it is processed here if it is not.
        job = run_video_job(job.pk)
    except DomainError as refused:
        stdout.write(f"Demo deployment: not run ({refused.code}): {refused.detail}")
        return
    _say(stdout, job)
