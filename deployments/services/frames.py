"""One camera frame of a running deployment through the gate: faces followed, alerts raised.

``process_frame`` is called outside any transaction (the gate's contract). It first accepts
the frame in a short transaction of its own (the deployment running and inside its window, the
camera its own, the sequence after the last accepted, the caller an operator on it), then
calls ``gate.search.search_frame`` with the deployment's run id. Between finding the frame's
faces and embedding them, the gate hands their boxes and quality scores (never pixels) to
``follow_faces``: ``deployments.tracking`` follows each face in this camera's view, so a person
is counted once, searched when first seen and again only for a better view, and alerts at most
once per watchlist entry. The alerts and
their crops are written by the gate's ``on_candidates`` hook, inside the transaction of its
``engine.candidates_found`` event: both commit or neither does.

Refusals before the gate (not running, out of order, unknown camera...) are committed to the
ledger as ``deployment.frame_refused``; the gate ledgers its own. An accepted frame adds no
event of its own: the gate's ``engine.search_run`` carries the run id; a frame in which new
faces were followed adds ``deployment.faces_seen`` with their number (tracks are the
deployment's, not the gate's), so every counter follows from the run's ledger events
(``deployments.selectors.ledger_counters``). The counters on the deployment row are put on the
ledger too when it completes or is halted.
"""

import hashlib
import io
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from authority.models import User
from biometric_engine.engine import engine_limits
from common.errors import DomainError, InvalidInput, WrongState
from common.roles import Role
from common.storage import store_file
from deployments.errors import (
    DeploymentNotRunning,
    FrameOutOfOrder,
    OutsideDeploymentWindow,
    UnknownCamera,
)
from deployments.models import Alert, Camera, Deployment, DeploymentStatus, VideoJob
from deployments.services._common import lock_deployment, require_operator_on
from deployments.tracking import (
    Box,
    CameraTracks,
    Observation,
    camera_lock,
    load_tracks,
    save_tracks,
)
from gate.checks import EngineRefused, require_outside_transaction
from gate.inputs import MatchResult, load_image
from gate.minting import mint_scope
from gate.scope import AuthorityScope
from gate.search import FaceChooser, FrameFace, search_frame
from oversight.ledger import record_event
from watchlists.models import WatchlistEntry

# A crop shows the face and a margin around it, for the operator to compare.
CROP_MARGIN = 0.25
# Refused scopes that a fresh one can cure: the next frame mints again.
RENEWABLE_SCOPE = frozenset({"scope_expired", "scope_superseded"})


@dataclass(frozen=True)
class FrameOutcome:
    faces_in_frame: int
    new_faces: int  # tracks begun by this frame: what "faces processed" counts
    alert_ids: tuple[int, ...]
    faces_searched: int = 0  # embedded and searched: a new track's face, or a better view


@dataclass
class _Frame:
    deployment: Deployment
    camera: Camera
    sequence: int
    image: bytes | None
    by: User
    probe_time: datetime
    observation: Observation | None = None
    alert_ids: list[int] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    # A recorded video's frame (``services.video``): decoded already, and its job, whose
    # alerts are raised once per frame and face however often the frame is searched.
    rgb: np.ndarray | None = None
    video_job_id: int | None = None


def process_frame(
    *, deployment: Deployment, camera: Camera, sequence: int, image: bytes, by: User
) -> FrameOutcome:
    """Search one frame of ``camera`` under ``deployment``, as the operator ``by``."""
    require_outside_transaction()
    with ExitStack() as held:
        try:
            # One frame of a camera at a time, from acceptance to its tracks being saved.
            held.enter_context(camera_lock(camera.pk))
            deployment, camera = _accept_frame(
                deployment=deployment, camera=camera, sequence=sequence, by=by
            )
            scope = _scope(deployment, by)
        except DomainError as refusal:
            _ledger_refusal(deployment, camera, sequence, by, refusal)
            raise
        frame = _Frame(deployment, camera, sequence, image, by, probe_time=timezone.now())
        result, observation = _search(frame, scope)
    with transaction.atomic():
        Deployment.objects.filter(pk=deployment.pk).update(
            frames_processed=F("frames_processed") + 1,
            faces_processed=F("faces_processed") + observation.new_tracks,
        )
        if observation.new_tracks:
            # Faces processed counts tracks, which the gate cannot see: a frame in which
            # new faces were followed says how many, so the count follows from the ledger.
            record_event(
                actor=by,
                role=Role.LFR_OPERATOR,
                action="deployment.faces_seen",
                subject=deployment,
                payload={
                    "run_id": deployment.run_id,
                    "camera_id": camera.pk,
                    "frame_sequence": sequence,
                    "new_faces_count": observation.new_tracks,
                },
            )
    return FrameOutcome(
        faces_in_frame=result.faces_processed,
        new_faces=observation.new_tracks,
        alert_ids=tuple(frame.alert_ids),
        faces_searched=len(result.searched),
    )


def _search(frame: _Frame, scope: AuthorityScope) -> tuple[MatchResult, Observation]:
    """The gate's search of the faces worth searching, the camera's tracks moved on by the
    frame's faces, the alerts in its hook; the tracks are saved only once the gate's
    transaction has committed."""
    deployment, camera = frame.deployment, frame.camera
    tracks = load_tracks(camera.pk)
    try:
        result = search_frame(
            scope=scope,
            image=frame.image,
            gallery_id=deployment.watchlist.gallery_id,
            location_id=deployment.location_id,
            by=frame.by,
            run_id=deployment.run_id,
            on_candidates=lambda result: _raise_alerts(frame, result, frame.observation),
            choose_faces=follow_faces(frame, tracks, frame.probe_time.timestamp()),
        )
    except BaseException as error:
        # The alerts rolled back with the gate's transaction: so do their crops, and the
        # tracks stay as they were before this frame.
        for path in frame.stored:
            default_storage.delete(path)
        if isinstance(error, EngineRefused) and error.code in RENEWABLE_SCOPE:
            cache.delete(_scope_key(deployment, frame.by))
        raise
    save_tracks(camera.pk, tracks)
    return result, frame.observation


def follow_faces(frame: _Frame, tracks: CameraTracks, now: float) -> FaceChooser:
    """The gate's face chooser for ``frame``: the faces found move the camera's tracks on (at
    ``now``, in seconds), and the faces worth searching are those of a new track or a better
    view (``Observation.choose_views``)."""

    def choose(faces: tuple[FrameFace, ...]) -> list[int]:
        frame.observation = tracks.observe([face.box for face in faces], now)
        return frame.observation.choose_views([face.quality for face in faces])

    return choose


@transaction.atomic
def _accept_frame(
    *, deployment: Deployment, camera: Camera, sequence: int, by: User
) -> tuple[Deployment, Camera]:
    deployment = lock_deployment(deployment)
    require_operator_on(by, deployment, "send a camera's frames")
    if deployment.status != DeploymentStatus.RUNNING:
        raise DeploymentNotRunning(
            f"No frame is processed: the deployment is {deployment.get_status_display().lower()}."
        )
    now = timezone.now()
    if not (deployment.planned_start <= now < deployment.planned_end):
        raise OutsideDeploymentWindow("No frame is processed outside the deployment's window.")
    try:
        camera = Camera.objects.select_for_update().get(pk=camera.pk, deployment=deployment)
    except Camera.DoesNotExist:
        raise UnknownCamera("The camera is not registered to this deployment.") from None
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise InvalidInput(
            "A frame's sequence number is a whole number, 0 or more.", field="sequence"
        )
    if camera.last_sequence is not None and sequence <= camera.last_sequence:
        raise FrameOutOfOrder(
            f"Frame {sequence} is not after the last accepted ({camera.last_sequence})."
        )
    camera.last_sequence = sequence
    camera.save(update_fields=["last_sequence"])
    return deployment, camera


def _ledger_refusal(deployment, camera, sequence, by, refusal: DomainError) -> None:
    with transaction.atomic():
        record_event(
            actor=by,
            role=Role.LFR_OPERATOR,
            action="deployment.frame_refused",
            subject=("deployments.deployment", deployment.pk),
            payload={
                "code": refusal.code,
                "camera_id": getattr(camera, "pk", None),
                "sequence": sequence if isinstance(sequence, int) else None,
                "run_id": deployment.run_id,
            },
        )


def _scope_key(deployment: Deployment, by: User) -> str:
    return f"deployments:scope:{deployment.pk}:{by.pk}"


def _scope(deployment: Deployment, by: User) -> AuthorityScope:
    """The operator's search scope for this deployment, minted once and kept (it is signed,
    personal and re-checked at every call) until shortly before it expires."""
    key = _scope_key(deployment, by)
    scope = cache.get(key)
    if scope is None:
        scope = mint_scope(
            application=deployment.authority, by=by, gallery=deployment.watchlist.gallery
        )
        left = datetime.fromisoformat(scope.expires_at) - timezone.now()
        cache.set(key, scope, timeout=max(1, int(left.total_seconds()) - 60))
    return scope


def _raise_alerts(frame: _Frame, result: MatchResult, observation: Observation) -> None:
    """Inside the gate's transaction: an alert per track and entry not alerted before."""
    deployment = frame.deployment
    entries = {
        entry.enrolled_face_id: entry
        for entry in WatchlistEntry.objects.filter(
            watchlist_id=deployment.watchlist_id,
            enrolled_face_id__in=[c.id for c in result.candidates],
        )
    }
    raised_before = _video_alerts_raised(frame)
    new = []
    for candidate in result.candidates:
        track = observation.tracks[candidate.probe]
        if candidate.id in track.alerted:
            continue  # this person already alerted on this entry while in view
        entry = entries.get(candidate.id)
        if entry is None:
            raise WrongState("A candidate is not an entry of the deployment's watchlist.")
        track.alerted.add(candidate.id)
        if candidate.probe in raised_before:
            # A video job resumed after its worker died searches this frame again: the
            # alert it raised then stands, and is not raised twice.
            continue
        new.append((candidate, entry))
    if not new:
        return
    # A pause or halt that committed while the frame was searched stops its alerts (the
    # update waits for a concurrent one, then re-reads the status).
    running = Deployment.objects.filter(pk=deployment.pk, status=DeploymentStatus.RUNNING).update(
        alerts_raised=F("alerts_raised") + len(new)
    )
    if not running:
        raise DeploymentNotRunning("The deployment stopped while the frame was searched.")
    if frame.video_job_id is not None:
        VideoJob.objects.filter(pk=frame.video_job_id).update(
            alerts_raised=F("alerts_raised") + len(new)
        )
    rgb = frame.rgb if frame.rgb is not None else load_image(frame.image, limits=engine_limits())
    now = timezone.now()
    for candidate, entry in new:
        box = result.boxes[candidate.probe]
        crop = _crop_jpeg(rgb, box)
        path = store_file(
            f"deployments/alerts/{deployment.pk}/{uuid.uuid4().hex}.jpg", ContentFile(crop)
        )
        frame.stored.append(path)
        digest = hashlib.sha256(crop).hexdigest()
        alert = Alert.objects.create(
            deployment=deployment,
            camera=frame.camera,
            entry=entry,
            score=candidate.score,
            probe_time=frame.probe_time,
            frame_sequence=frame.sequence,
            box=list(box),
            crop=path,
            crop_sha256=digest,
            video_job_id=frame.video_job_id,
            probe_index=candidate.probe if frame.video_job_id is not None else None,
            created_at=now,
        )
        record_event(
            actor=frame.by,
            role=Role.LFR_OPERATOR,
            action="alert.raised",
            subject=alert,
            payload={
                "deployment_id": deployment.pk,
                "run_id": deployment.run_id,
                "camera_id": frame.camera.pk,
                "entry_id": entry.pk,
                "score": round(candidate.score, 4),
                "frame_sequence": frame.sequence,
                "crop_sha256": digest,
                **({"video_job_id": frame.video_job_id} if frame.video_job_id else {}),
            },
        )
        frame.alert_ids.append(alert.pk)


def _video_alerts_raised(frame: _Frame) -> set[int]:
    """The probes of a video frame that raised an alert already (its job resumed)."""
    if frame.video_job_id is None:
        return set()
    return set(
        Alert.objects.filter(
            video_job_id=frame.video_job_id, frame_sequence=frame.sequence
        ).values_list("probe_index", flat=True)
    )


def _crop_jpeg(rgb, box: Box) -> bytes:
    x, y, w, h = box
    mx, my = int(w * CROP_MARGIN), int(h * CROP_MARGIN)
    height, width = rgb.shape[:2]
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(width, x + w + mx), min(height, y + h + my)
    out = io.BytesIO()
    Image.fromarray(rgb[y0:y1, x0:x1]).save(out, format="JPEG", quality=90)
    return out.getvalue()
