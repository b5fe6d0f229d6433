"""The gate's searches: each call is checked and written to the ledger before it runs.

Call these outside any open transaction: a refusal is committed to the ledger on its own, and
an admitted search commits its ledger events with its result.
"""

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from authority.models import User
from biometric_engine.core.backends import FaceBackend
from biometric_engine.core.errors import EngineInputError
from biometric_engine.core.images import load_image
from biometric_engine.core.match import MatchResult, match_probes
from biometric_engine.core.quality import assess_face_quality
from biometric_engine.core.video import read_video_frames
from biometric_engine.engine import (
    engine_backend,
    engine_limits,
    lfr_backend,
    lfr_min_face_px,
    one_face_template,
)
from biometric_engine.indexes import index_for
from biometric_engine.selectors import enrolled_ids
from common.errors import InvalidInput
from gate.checks import (
    RFR_CANDIDATE_CAP,
    Admission,
    EngineRefused,
    admit,
    authority_subject,
    check_scope,
    checked_run_id,
    ledger_refusal,
    require_outside_transaction,
    with_run,
)
from gate.scope import AuthorityScope
from oversight.ledger import record_event


class CallerFailed(Exception):
    """The caller's on_candidates hook raised: carried out of the gate's transaction."""


# Called with a match inside the gate's transaction, after its candidates_found event: the
# caller's rows for it (an alert) commit with that event, or neither does.
CandidatesHook = Callable[[MatchResult], None]

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class FrameFace:
    """A face found in a frame, as a caller choosing what to search sees it: where, and how
    good a view (``biometric_engine.core.quality``'s score, 0 to 1). Never pixels or a vector."""

    box: Box
    quality: float


# Given a frame's faces, by index, the caller names those to embed and search (a deployment
# searches a face it follows once, then again only for a better view of it). Called outside
# any transaction, after the frame is admitted and its faces found, before anything is
# embedded; the faces it leaves out are counted in the frame but never embedded.
FaceChooser = Callable[[tuple[FrameFace, ...]], Iterable[int]]


@dataclass(frozen=True)
class FrameFaces:
    """A frame's faces: the boxes of all found (by index) and the vectors of those searched."""

    boxes: tuple[Box, ...]
    searched: tuple[int, ...]  # indices into ``boxes``, one per row of ``vectors``
    vectors: np.ndarray


def engine_event(scope: AuthorityScope, by, action: str, payload: dict, run_id) -> None:
    """An admitted call's ledger event: filed under its authority, in the scope's role."""
    record_event(
        actor=by,
        role=scope.role,
        action=action,
        subject=authority_subject(scope),
        payload=with_run(payload, run_id),
    )


def _still_enrolled(result: MatchResult, gallery_id: int) -> MatchResult:
    """Drop candidates whose rows were deleted after the index was read (a removal racing the
    search); only a match pays for the check."""
    if not result.candidates:
        return result
    present = enrolled_ids(gallery_id, [candidate.id for candidate in result.candidates])
    return replace(result, candidates=tuple(c for c in result.candidates if c.id in present))


def search_admitted(
    admission: Admission,
    scope: AuthorityScope,
    *,
    by,
    vectors: np.ndarray,
    location_id,
    max_candidates: int,
    run_id: str | None = None,
    on_candidates: CandidatesHook | None = None,
    frame: FrameFaces | None = None,
) -> MatchResult:
    """Re-check under the row lock, ledger the call, search; a match ledgers its candidates
    and runs the caller's hook in the same transaction, so its rows (an alert) commit with
    the event or not at all. For a frame (``frame``: its faces, of which ``vectors`` are
    those searched), the result counts every face found, carries their boxes, and names each
    candidate's face by its index among them."""
    gallery_id = admission.gallery_id
    try:
        with transaction.atomic():
            # Re-check under the authority's row lock, so a cancellation racing this call is
            # seen; then write the event before searching: if the ledger fails, no search runs.
            admission = check_scope(
                scope,
                mode=scope.mode,
                gallery_id=gallery_id,
                location_id=location_id,
                threshold=Decimal(str(admission.threshold)),
                now=timezone.now(),
                holder_id=by.pk if by is not None else None,
                lock=True,
            )
            engine_event(
                scope,
                by,
                "engine.search_run",
                {
                    "gallery_id": gallery_id,
                    "location_id": location_id,
                    "threshold": str(admission.threshold),
                    "mode": scope.mode,
                    "probes": int(vectors.shape[0]),
                    **({"faces_count": len(frame.boxes)} if frame is not None else {}),
                },
                run_id,
            )
            result = _still_enrolled(
                match_probes(
                    vectors,
                    index_for(gallery_id, revision=admission.gallery_revision),
                    threshold=admission.threshold,
                    max_candidates=max_candidates,
                ),
                gallery_id,
            )
            if frame is not None:
                result = _as_frame_result(result, frame)
            # Most frames match nothing: their call is one event. A match adds a second with
            # the candidates' scores, in the same transaction, before anyone can see it.
            if result.candidates:
                engine_event(
                    scope,
                    by,
                    "engine.candidates_found",
                    {
                        "gallery_id": gallery_id,
                        "candidates": len(result.candidates),
                        "scores": [round(c.score, 4) for c in result.candidates],
                    },
                    run_id,
                )
                if on_candidates is not None:
                    try:
                        on_candidates(result)
                    except Exception as error:
                        raise CallerFailed(error) from error
    except EngineRefused as refusal:
        ledger_refusal(scope, by, gallery_id, location_id, refusal, run_id=run_id)
        raise
    except CallerFailed as failed:
        # The search and the caller's rows rolled back together; the ledger still says a
        # search ran and its caller failed, so no match can vanish without a trace.
        with transaction.atomic():
            engine_event(
                scope,
                by,
                "engine.caller_failed",
                {
                    "gallery_id": gallery_id,
                    "location_id": location_id,
                    "error": type(failed.__cause__).__name__,
                },
                run_id,
            )
        raise failed.__cause__ from None
    return result


def _as_frame_result(result: MatchResult, frame: FrameFaces) -> MatchResult:
    """A match of the searched faces, read as the frame's: probes renamed to face indices."""
    return replace(
        result,
        faces_processed=len(frame.boxes),
        boxes=frame.boxes,
        searched=frame.searched,
        candidates=tuple(replace(c, probe=frame.searched[c.probe]) for c in result.candidates),
    )


@contextmanager
def ledgered_input(
    scope: AuthorityScope,
    by,
    gallery_id,
    location_id,
    *,
    action: str = "engine.probe_rejected",
    run_id: str | None = None,
):
    """An admitted call whose image or face the engine refuses is recorded too, then raised."""
    try:
        yield
    except EngineInputError as error:
        with transaction.atomic():
            engine_event(
                scope,
                by,
                action,
                {
                    **error.facts,  # e.g. a truncated video's frames read and declared
                    "reason": error.code,
                    "gallery_id": gallery_id,
                    "location_id": location_id,
                    "mode": scope.mode,
                },
                run_id,
            )
        raise


def search_frame(
    *,
    scope: AuthorityScope | None,
    image: bytes,
    gallery_id: int,
    location_id: int,
    by: User | None,
    run_id: str | None = None,
    on_candidates: CandidatesHook | None = None,
    choose_faces: FaceChooser | None = None,
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
) -> MatchResult:
    """LFR: the faces of a camera frame against the signed-off watchlist (all of them, or
    those ``choose_faces`` names).

    Faces that match nothing leave only the count; no probe vector or image is kept.
    """
    require_outside_transaction()
    run_id = checked_run_id(run_id)
    backend = backend or lfr_backend()
    admission = _admit_lfr(scope, by, gallery_id, location_id, threshold, backend, run_id)
    with ledgered_input(scope, by, gallery_id, location_id, run_id=run_id):
        rgb = load_image(image, limits=engine_limits())
    return _search_admitted_frame(
        admission, scope, by, rgb, location_id, run_id, on_candidates, choose_faces, backend
    )


def search_decoded_frame(
    *,
    scope: AuthorityScope | None,
    rgb: np.ndarray,
    gallery_id: int,
    location_id: int,
    by: User | None,
    run_id: str | None = None,
    on_candidates: CandidatesHook | None = None,
    choose_faces: FaceChooser | None = None,
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
) -> MatchResult:
    """LFR: ``search_frame`` for a frame already decoded, a recorded video's, read and checked
    by ``read_video_frames`` (limits, truncation) so it is not encoded again to be searched.
    Admitted and ledgered exactly as ``search_frame``."""
    require_outside_transaction()
    if (
        not isinstance(rgb, np.ndarray)
        or rgb.dtype != np.uint8
        or rgb.ndim != 3
        or rgb.shape[2] != 3
        or rgb.shape[0] * rgb.shape[1] > engine_limits().max_video_frame_pixels
    ):
        raise InvalidInput("A decoded frame is an RGB array within the frame limits.")
    run_id = checked_run_id(run_id)
    backend = backend or lfr_backend()
    admission = _admit_lfr(scope, by, gallery_id, location_id, threshold, backend, run_id)
    return _search_admitted_frame(
        admission, scope, by, rgb, location_id, run_id, on_candidates, choose_faces, backend
    )


def _admit_lfr(scope, by, gallery_id, location_id, threshold, backend, run_id) -> Admission:
    return admit(
        scope,
        by=by,
        mode="lfr",
        gallery_id=gallery_id,
        location_id=location_id,
        threshold=threshold,
        engine_model=backend.model_version,
        run_id=run_id,
    )


def _search_admitted_frame(
    admission, scope, by, rgb, location_id, run_id, on_candidates, choose_faces, backend
) -> MatchResult:
    """An admitted frame: its faces found, the chosen ones embedded, then searched."""
    frame = frame_faces(backend, rgb, choose_faces)
    return search_admitted(
        admission,
        scope,
        by=by,
        vectors=frame.vectors,
        location_id=location_id,
        max_candidates=1,
        run_id=run_id,
        on_candidates=on_candidates,
        frame=frame,
    )


def frame_faces(
    backend: FaceBackend, rgb: np.ndarray, choose_faces: FaceChooser | None = None
) -> FrameFaces:
    """Every face in a frame at least ``WA_LFR_MIN_FACE_PX`` on its shorter side (a smaller
    one has too few pixels to be searched fairly: the probe rule asks for 20 between the
    eyes), and the vectors of those ``choose_faces`` names (all, without it), searched and
    never kept."""
    smallest = lfr_min_face_px()
    faces = [face for face in backend.detect(rgb) if min(face.box[2], face.box[3]) >= smallest]
    boxes = tuple(tuple(int(v) for v in face.box) for face in faces)
    if choose_faces is None:
        searched = tuple(range(len(faces)))
    else:
        seen = tuple(
            FrameFace(box=box, quality=assess_face_quality(rgb, face).score)
            for box, face in zip(boxes, faces, strict=True)
        )
        chosen = set(choose_faces(seen))
        if not all(isinstance(i, int) and 0 <= i < len(faces) for i in chosen):
            raise ValueError("choose_faces named a face that is not in the frame")
        searched = tuple(sorted(chosen))
    if not searched:
        vectors = np.zeros((0, backend.embedding_dim), dtype=np.float32)
    else:
        vectors = np.stack([backend.embed(rgb, faces[i]) for i in searched])
    return FrameFaces(boxes=boxes, searched=searched, vectors=vectors)


@dataclass(frozen=True)
class FrameMatch:
    index: int
    timestamp_s: float
    result: MatchResult


def search_video(
    *,
    scope: AuthorityScope | None,
    video: str | os.PathLike[str],
    gallery_id: int,
    location_id: int,
    by: User | None,
    run_id: str | None = None,
    on_candidates: CandidatesHook | None = None,
    every_nth_frame: int = 1,
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
) -> Iterator[FrameMatch]:
    """LFR over a recorded video file: each sampled frame is a call of its own.

    Every frame is admitted and ledgered like ``search_frame``, so a halt, cancellation or
    expiry stops the video at its next frame (``EngineRefused`` from the iterator). The file is
    checked against the limits only after the first admission, and read frame by frame. A file
    with fewer readable frames than its container declares is refused before any frame is
    searched (``VideoTruncated``, ledgered with the frames read and declared): a partial video
    is never searched as if it were the whole recording.
    """
    if not isinstance(every_nth_frame, int) or every_nth_frame < 1:
        raise InvalidInput(
            "Sample every frame or every n-th, n at least 1.", field="every_nth_frame"
        )
    require_outside_transaction()
    run_id = checked_run_id(run_id)
    backend = backend or lfr_backend()
    args = (scope, by, gallery_id, location_id)
    admission = _admit_lfr(*args, threshold, backend, run_id)
    with ledgered_input(*args, run_id=run_id):
        frames = read_video_frames(video, limits=engine_limits(), every_nth_frame=every_nth_frame)
    while True:
        with ledgered_input(*args, run_id=run_id):
            frame = next(frames, None)
        if frame is None:
            return
        # Between frames the caller runs its own code: each frame is checked afresh.
        require_outside_transaction()
        admission = admission or _admit_lfr(*args, threshold, backend, run_id)
        result = _search_admitted_frame(
            admission, scope, by, frame.rgb, location_id, run_id, on_candidates, None, backend
        )
        admission = None  # the next frame is admitted afresh
        yield FrameMatch(frame.index, frame.timestamp_s, result)


def search_probe(
    *,
    scope: AuthorityScope | None,
    image: bytes,
    gallery_id: int,
    by: User | None,
    run_id: str | None = None,
    on_candidates: CandidatesHook | None = None,
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
    max_candidates: int = RFR_CANDIDATE_CAP,
) -> MatchResult:
    """RFR / OIFR: one probe face (quality rules apply) against a lawful gallery.

    The probe image and its vector are not kept after the search.
    """
    require_outside_transaction()
    run_id = checked_run_id(run_id)
    if not isinstance(max_candidates, int) or max_candidates < 1:
        raise InvalidInput("Ask for at least one candidate.", field="max_candidates")
    mode = scope.mode if scope and scope.mode in ("rfr", "oifr") else "rfr"
    backend = backend or engine_backend()
    admission = admit(
        scope,
        by=by,
        mode=mode,
        gallery_id=gallery_id,
        location_id=None,
        threshold=threshold,
        engine_model=backend.model_version,
        run_id=run_id,
    )
    with ledgered_input(scope, by, gallery_id, None, run_id=run_id):
        vector, _quality = one_face_template(image, backend)
    return search_admitted(
        admission,
        scope,
        by=by,
        vectors=vector.reshape(1, -1),
        location_id=None,
        max_candidates=min(max_candidates, RFR_CANDIDATE_CAP),
        run_id=run_id,
        on_candidates=on_candidates,
    )
