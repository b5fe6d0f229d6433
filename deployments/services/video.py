"""A recorded video of a deployment's camera, processed through the deployment's frame path.

``upload_video`` checks everything that can refuse the video whole before anything is kept:
the operator named on the deployment, the deployment running and inside its window, the camera
its own, the size (``WA_MAX_VIDEO_BYTES``), the container, the frame size and the duration, and
that every frame the container declares can be read (a truncated or damaged file is refused,
never searched in part as if it were the whole recording). Only then is the file stored, the
``VideoJob`` created with ``deployment.video_uploaded`` and the task queued on commit. A refusal
leaves no file and no job, only ``deployment.video_refused`` on the ledger.

``run_video_job`` (the task) reads the stored file frame by frame and searches each frame
through the gate (``gate.search.search_decoded_frame``: admitted, re-checked and ledgered like
a camera's frame, without encoding the frame again), with the deployment's run id, the
operator's scope, and the faces followed as tracks (``deployments.tracking``) on the video's own
clock. Every ``WA_VIDEO_CHUNK_FRAMES`` frames the job's resume point (``frames_done``) and the
chunk's counts (frames and faces processed, on the job and on the deployment) commit in one
transaction, and the tracks as they stand at that frame are kept in the cache under that resume
point. A worker killed mid-chunk leaves the job running with a lease that runs out
(``WA_VIDEO_LEASE_SECONDS``); the beat job enqueues it again, and it resumes at ``frames_done``
from the tracks kept there: the frames after it are searched again (and ledgered again: they
were), their faces counted once (their counts never committed), and an alert raised before is
found by its job, frame and face (a unique constraint holds it too) and not raised again.

Sampling: with ``WA_VIDEO_SAMPLE_FPS`` set, a video recorded at a higher rate is searched at
about that rate (every n-th frame, n = round(recorded fps / sampled fps)); every frame is still
read, and ``frames_done`` counts frames read. A face in view for two seconds is in ten frames
at 5 fps: tracks still follow it, on the video's clock.

A halt, cancellation or expiry of the authority stops the job at the next frame (the gate's
refusal); so do a pause or end of the deployment and the end of its window (checked before each
frame). The job is then refused with that code, the frames searched before it counted. The file
is deleted when the job stops, whatever the outcome.

Broker down: the job is created queued whatever the broker says; a failed enqueue is logged
and the beat job ``requeue_video_jobs`` (every minute) enqueues again every job still queued a
minute after its last enqueue, and every running job whose lease ran out. An upload is never
lost; a job enqueued twice runs once (the claim under its row lock, and the lease).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from authority.models import User
from biometric_engine.engine import engine_limits
from common.errors import DomainError
from common.roles import Role
from common.storage import store_file
from deployments.errors import (
    DeploymentNotRunning,
    OutsideDeploymentWindow,
    UnknownCamera,
    VideoRefused,
)
from deployments.models import Camera, Deployment, DeploymentStatus, VideoJob, VideoStatus
from deployments.rules import (
    video_chunk_frames,
    video_lease_seconds,
    video_requeue_after_seconds,
    video_sample_step,
)
from deployments.services._common import lock_deployment, require_operator_on
from deployments.services.frames import (
    RENEWABLE_SCOPE,
    FrameOutcome,
    _Frame,
    _raise_alerts,
    _scope,
    _scope_key,
    follow_faces,
)
from deployments.tracking import CameraTracks
from gate.checks import EngineRefused
from gate.inputs import (
    EmptyFile,
    EngineInputError,
    FileTooLarge,
    VideoFrame,
    count_readable_frames,
    probe_video,
    read_video_frames,
)
from gate.search import search_decoded_frame
from oversight.ledger import record_event

logger = logging.getLogger(__name__)

EXTENSIONS = {
    "avi": ".avi",
    "mp4/mov": ".mp4",
    "matroska/webm": ".mkv",
    "mpeg-ts": ".ts",
    "mpeg-ps": ".mpg",
}
# Tracks kept at a resume point (boxes only, never a vector, never in the database).
SNAPSHOT_SECONDS = 24 * 3600
READ_BLOCK = 1024 * 1024


# --- Upload -------------------------------------------------------------------------------


def _require_accepting(deployment: Deployment, camera: Camera, by: User) -> None:
    require_operator_on(by, deployment, "upload a camera's video")
    if deployment.status != DeploymentStatus.RUNNING:
        raise DeploymentNotRunning(
            f"No video is processed: the deployment is {deployment.get_status_display().lower()}."
        )
    now = timezone.now()
    if not (deployment.planned_start <= now < deployment.planned_end):
        raise OutsideDeploymentWindow("No video is processed outside the deployment's window.")
    if not isinstance(camera, Camera) or camera.deployment_id != deployment.pk:
        raise UnknownCamera("The camera is not registered to this deployment.")


@dataclass
class _Spooled:
    path: str
    size: int
    sha256: str


@contextmanager
def _spooled(data: bytes | IO[bytes]) -> Iterator[_Spooled]:
    """The upload in a temporary file (never in storage), its size capped as it is read."""
    limit = engine_limits().max_video_bytes
    handle, path = tempfile.mkstemp(prefix="wa-video-", suffix=".upload")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(handle, "wb") as out:
            blocks = (
                [data]
                if isinstance(data, bytes | bytearray)
                else iter(lambda: data.read(READ_BLOCK), b"")
            )
            for block in blocks:
                size += len(block)
                if size > limit:
                    raise VideoRefused(
                        FileTooLarge.code,
                        f"The video is more than the {limit:,} bytes the engine accepts.",
                    )
                digest.update(block)
                out.write(block)
        if size == 0:
            raise VideoRefused(EmptyFile.code, EmptyFile.default_detail)
        yield _Spooled(path, size, digest.hexdigest())
    finally:
        os.unlink(path)


def upload_video(
    *, deployment: Deployment, camera: Camera, by: User, data: bytes | IO[bytes]
) -> VideoJob:
    """Accept a recorded video of ``camera`` for the running ``deployment``, as an operator
    named on it, and queue it (see the module). Runs outside any transaction: the whole file
    is read once to check it before anything is written."""
    deployment = Deployment.objects.get(pk=deployment.pk)
    try:
        _require_accepting(deployment, camera, by)
        with _spooled(data) as spooled:
            limits = engine_limits()
            try:
                info = probe_video(spooled.path, limits=limits)
                readable = count_readable_frames(spooled.path, info, limits=limits)
            except EngineInputError as error:
                raise VideoRefused(error.code, str(error)) from None
            return _accept(deployment, camera, by, spooled, info, readable)
    except DomainError as refusal:
        with transaction.atomic():
            record_event(
                actor=by,
                role=Role.LFR_OPERATOR,
                action="deployment.video_refused",
                subject=deployment,
                payload={
                    "code": refusal.code,
                    "camera_id": getattr(camera, "pk", None),
                    "run_id": deployment.run_id,
                    "stage": "upload",
                },
            )
        raise


def _accept(deployment, camera, by, spooled: _Spooled, info, readable: int) -> VideoJob:
    stored = None
    try:
        with transaction.atomic():
            deployment = lock_deployment(deployment)
            _require_accepting(deployment, camera, by)  # again, under the lock
            name = f"deployments/videos/{deployment.pk}/{uuid.uuid4().hex}"
            with open(spooled.path, "rb") as handle:
                stored = store_file(name + EXTENSIONS.get(info.container, ".video"), File(handle))
            now = timezone.now()
            job = VideoJob.objects.create(
                deployment=deployment,
                camera=camera,
                uploaded_by=by,
                created_at=now,
                video=stored,
                sha256=spooled.sha256,
                size_bytes=spooled.size,
                container=info.container,
                fps=info.fps,
                frame_count=readable,
                duration_s=readable / info.fps,
                enqueued_at=now,
            )
            record_event(
                actor=by,
                role=Role.LFR_OPERATOR,
                action="deployment.video_uploaded",
                subject=deployment,
                payload={
                    "video_job_id": job.pk,
                    "camera_id": camera.pk,
                    "run_id": deployment.run_id,
                    "sha256": spooled.sha256,
                    "size_bytes": spooled.size,
                    "frames": readable,
                    "fps": round(info.fps, 3),
                    "container": info.container,
                },
            )
            transaction.on_commit(lambda: enqueue_video_job(job.pk))
            return job
    except BaseException:
        if stored:
            default_storage.delete(stored)  # nothing half-written
        raise


def enqueue_video_job(job_id: int) -> bool:
    """Hand the job to the broker; a broker that is down leaves it queued for the beat job."""
    from kombu.exceptions import OperationalError

    from deployments.tasks import run_video_job_task  # the task module imports this one

    try:
        run_video_job_task.delay(job_id)
    except OperationalError:
        logger.warning("Video job %s stays queued: the broker is unreachable.", job_id)
        return False
    return True


def requeue_video_jobs() -> int:
    """Enqueue again every job still queued a while after its last enqueue (the broker was
    down) and every running job whose worker's lease ran out (it died); the count."""
    now = timezone.now()
    stale = VideoJob.objects.filter(
        Q(
            status=VideoStatus.QUEUED,
            enqueued_at__lt=now - timedelta(seconds=video_requeue_after_seconds()),
        )
        | Q(status=VideoStatus.QUEUED, enqueued_at__isnull=True)
        | Q(status=VideoStatus.RUNNING, lease_until__lt=now)
    )
    ids = list(stale.values_list("pk", flat=True))
    for pk in ids:
        VideoJob.objects.filter(pk=pk).update(enqueued_at=now)
        enqueue_video_job(pk)
    return len(ids)


# --- Processing ---------------------------------------------------------------------------


@dataclass
class VideoHooks:
    """Callbacks for the benchmark and tests: a frame decoded, a frame searched, a chunk
    committed."""

    frame_read: Callable[[VideoFrame], None] | None = None
    frame_done: Callable[[VideoFrame, FrameOutcome], None] | None = None
    chunk_done: Callable[[VideoJob], None] | None = None


class _LeaseLost(Exception):
    """Another worker took the job over (this one was too slow): stop without a word."""


@dataclass
class _Run:
    job: VideoJob
    token: str
    deployment: Deployment
    tracks: CameraTracks
    frames_done: int
    pending_frames: int = 0  # searched since the last commit
    pending_skipped: int = 0  # read but not sampled since the last commit
    pending_faces: int = 0
    hooks: VideoHooks = field(default_factory=VideoHooks)
    backend: object = None


def _snapshot_key(job_id: int, frames_done: int) -> str:
    return f"deployments:video-tracks:{job_id}:{frames_done}"


def _claim(job_id: int) -> tuple[VideoJob, str] | None:
    """The job, leased to this worker, if it is queued or its last worker's lease ran out;
    None when it has finished or another worker holds it (a task delivered twice runs once)."""
    with transaction.atomic():
        job = VideoJob.objects.select_for_update().get(pk=job_id)
        now = timezone.now()
        if job.is_finished:
            return None
        if job.status == VideoStatus.RUNNING and job.lease_until and job.lease_until > now:
            return None
        token = uuid.uuid4().hex
        resumed = job.status == VideoStatus.RUNNING
        VideoJob.objects.filter(pk=job.pk).update(
            status=VideoStatus.RUNNING,
            started_at=job.started_at or now,
            lease_until=now + timedelta(seconds=video_lease_seconds()),
            lease_token=token,
        )
        job.refresh_from_db()
        record_event(
            actor=job.uploaded_by,
            role=Role.LFR_OPERATOR,
            action="deployment.video_resumed" if resumed else "deployment.video_started",
            subject=("deployments.deployment", job.deployment_id),
            payload={"video_job_id": job.pk, "frames_done": job.frames_done},
        )
        return job, token


@contextmanager
def _local_file(name: str) -> Iterator[str]:
    """The stored video as a local path (a copy when the storage has no local paths)."""
    try:
        yield default_storage.path(name)
        return
    except NotImplementedError:
        pass
    handle, path = tempfile.mkstemp(prefix="wa-video-", suffix=os.path.splitext(name)[1])
    try:
        with os.fdopen(handle, "wb") as out, default_storage.open(name, "rb") as source:
            shutil.copyfileobj(source, out)
        yield path
    finally:
        os.unlink(path)


def run_video_job(job_id: int, *, hooks: VideoHooks | None = None, backend=None) -> VideoJob:
    """Process the job's video from its resume point (see the module). Outside any
    transaction; safe to run twice."""
    claimed = _claim(job_id)
    if claimed is None:
        return VideoJob.objects.get(pk=job_id)
    job, token = claimed
    deployment = Deployment.objects.select_related("authority", "watchlist").get(
        pk=job.deployment_id
    )
    tracks = CameraTracks.from_data(cache.get(_snapshot_key(job.pk, job.frames_done)))
    run = _Run(job, token, deployment, tracks, job.frames_done, hooks=hooks or VideoHooks())
    run.backend = backend
    try:
        _process(run)
    except _LeaseLost:
        logger.warning("Video job %s was taken over by another worker.", job_id)
    except DomainError as refusal:
        _commit_chunk(run)
        _stop(run, VideoStatus.REFUSED, refusal.code, refusal.detail)
    except EngineInputError as error:
        _commit_chunk(run)
        _stop(run, VideoStatus.REFUSED, error.code, str(error))
    except Exception as error:
        logger.exception("Video job %s failed", job_id)
        detail = (
            f"The video stopped unexpectedly ({type(error).__name__}) after "
            f"{run.frames_done} frames; the alerts it raised stand. Upload it again for the rest."
        )
        _stop(run, VideoStatus.FAILED, "video_failed", detail)
    return VideoJob.objects.get(pk=job_id)


def _process(run: _Run) -> None:
    job = run.job
    chunk = video_chunk_frames()
    step = video_sample_step(job.fps)
    with _local_file(job.video.name) as path:
        frames = read_video_frames(path, limits=engine_limits())
        for video_frame in frames:
            if video_frame.index < run.frames_done:
                continue  # searched and counted before the worker died
            if video_frame.index % step:
                run.pending_skipped += 1  # read, not sampled (WA_VIDEO_SAMPLE_FPS)
                continue
            if run.hooks.frame_read:
                run.hooks.frame_read(video_frame)
            outcome = _search(run, video_frame)
            run.pending_frames += 1
            run.pending_faces += outcome.new_faces
            if run.hooks.frame_done:
                run.hooks.frame_done(video_frame, outcome)
            if run.pending_frames >= chunk:
                _commit_chunk(run)
                if run.hooks.chunk_done:
                    run.hooks.chunk_done(VideoJob.objects.get(pk=job.pk))
    _commit_chunk(run)
    _stop(run, VideoStatus.DONE, "", "")


def _require_running(deployment: Deployment, by: User) -> None:
    """Before each frame: the deployment still running, inside its window, the uploader still
    an operator on it. (The gate re-checks the authority itself.)"""
    state = Deployment.objects.filter(pk=deployment.pk).values("status").get()
    if state["status"] != DeploymentStatus.RUNNING:
        label = DeploymentStatus(state["status"]).label.lower()
        raise DeploymentNotRunning(f"The video stopped: the deployment is {label}.")
    now = timezone.now()
    if not (deployment.planned_start <= now < deployment.planned_end):
        raise OutsideDeploymentWindow("The video stopped: the deployment's window has ended.")
    require_operator_on(by, deployment, "process a camera's video")


def _search(run: _Run, video_frame: VideoFrame) -> FrameOutcome:
    job, deployment = run.job, run.deployment
    by = job.uploaded_by
    for attempt in (1, 2):
        _require_running(deployment, by)
        scope = _scope(deployment, by)
        frame = _Frame(
            deployment,
            job.camera,
            video_frame.index,
            None,
            by,
            probe_time=timezone.now(),
            rgb=video_frame.rgb,
            video_job_id=job.pk,
        )
        before = run.tracks.as_data()
        try:
            result = search_decoded_frame(
                scope=scope,
                rgb=video_frame.rgb,
                gallery_id=deployment.watchlist.gallery_id,
                location_id=deployment.location_id,
                by=by,
                run_id=deployment.run_id,
                on_candidates=lambda result, frame=frame: _raise_alerts(
                    frame, result, frame.observation
                ),
                # The video's own clock: a face out of view for the expiry period of the
                # recording ends its track, however fast the frames are searched.
                choose_faces=follow_faces(frame, run.tracks, video_frame.timestamp_s),
                backend=run.backend,
            )
        except BaseException as error:
            for path in frame.stored:
                default_storage.delete(path)
            run.tracks = CameraTracks.from_data(before)  # as they were before this frame
            if isinstance(error, EngineRefused) and error.code in RENEWABLE_SCOPE:
                cache.delete(_scope_key(deployment, by))
                if attempt == 1:
                    continue  # the same frame again, under a fresh scope
            raise
        return FrameOutcome(
            faces_in_frame=result.faces_processed,
            new_faces=frame.observation.new_tracks,
            alert_ids=tuple(frame.alert_ids),
            faces_searched=len(result.searched),
        )
    raise AssertionError("unreachable")


def _commit_chunk(run: _Run) -> None:
    """The chunk's counts and the resume point, in one transaction; the tracks kept there."""
    if not (run.pending_frames or run.pending_skipped):
        return
    job = run.job
    done = run.frames_done + run.pending_frames + run.pending_skipped
    cache.set(_snapshot_key(job.pk, done), run.tracks.as_data(), timeout=SNAPSHOT_SECONDS)
    with transaction.atomic():
        held = VideoJob.objects.filter(pk=job.pk, lease_token=run.token).update(
            frames_done=done,
            faces_processed=F("faces_processed") + run.pending_faces,
            lease_until=timezone.now() + timedelta(seconds=video_lease_seconds()),
        )
        if not held:
            raise _LeaseLost()
        Deployment.objects.filter(pk=job.deployment_id).update(
            frames_processed=F("frames_processed") + run.pending_frames,
            faces_processed=F("faces_processed") + run.pending_faces,
        )
        if run.pending_faces:
            # As a camera's frame does, so faces processed follows from the ledger
            # (selectors.ledger_counters); once per chunk, committed with it: once on resume.
            record_event(
                actor=job.uploaded_by,
                role=Role.LFR_OPERATOR,
                action="deployment.faces_seen",
                subject=run.deployment,
                payload={
                    "run_id": run.deployment.run_id,
                    "camera_id": job.camera_id,
                    "video_job_id": job.pk,
                    "frame_sequence": done - 1,
                    "new_faces_count": run.pending_faces,
                },
            )
    cache.delete(_snapshot_key(job.pk, run.frames_done))
    run.frames_done, run.pending_frames, run.pending_skipped, run.pending_faces = done, 0, 0, 0


ACTIONS = {
    VideoStatus.DONE: "deployment.video_processed",
    VideoStatus.REFUSED: "deployment.video_refused",
    VideoStatus.FAILED: "deployment.video_failed",
}


def _stop(run: _Run, status: str, code: str, detail: str) -> None:
    with transaction.atomic():
        job = VideoJob.objects.select_for_update().get(pk=run.job.pk)
        if job.lease_token != run.token or job.is_finished:
            return
        name = _stop_job(run, job, status, code, detail)
    # Outside the transaction (the task runs outside any): the row says stopped first.
    _forget(job.pk, job.frames_done, name)


def _stop_job(run: _Run, job: VideoJob, status: str, code: str, detail: str) -> str:
    job.status = status
    job.finished_at = timezone.now()
    job.error_code = code[:60]
    job.error = detail[:1000]
    job.lease_until = None
    name, job.video = job.video.name, ""
    job.save(update_fields=["status", "finished_at", "error_code", "error", "lease_until", "video"])
    record_event(
        actor=job.uploaded_by,
        role=Role.LFR_OPERATOR,
        action=ACTIONS[status],
        subject=("deployments.deployment", job.deployment_id),
        payload={
            "video_job_id": job.pk,
            "camera_id": job.camera_id,
            "run_id": run.deployment.run_id,
            "code": job.error_code,
            "frames": job.frame_count,
            "frames_processed": job.frames_done,  # read through; every n-th searched
            "sample_every_nth_frame": video_sample_step(job.fps),
            "faces_processed": job.faces_processed,
            "alerts": job.alerts_raised,
            "sha256": job.sha256,
            **({"stage": "processing"} if status == VideoStatus.REFUSED else {}),
        },
    )
    return name


def _forget(job_id: int, frames_done: int, name: str) -> None:
    """A stopped job keeps no file and no tracks."""
    cache.delete(_snapshot_key(job_id, frames_done))
    if name:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Could not delete video job %s's file", job_id)
