"""The gate's searches: each call is checked and written to the ledger before it runs.

Call these outside any open transaction: a refusal is committed to the ledger on its own, and
an admitted search commits its ledger events with its result.
"""

import os
from collections.abc import Callable, Iterator
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
from biometric_engine.core.video import read_video_frames
from biometric_engine.engine import engine_backend, engine_limits, one_face_template
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
    boxes: tuple[tuple[int, int, int, int], ...] = (),
) -> MatchResult:
    """Re-check under the row lock, ledger the call, search; a match ledgers its candidates
    and runs the caller's hook in the same transaction, so its rows (an alert) commit with
    the event or not at all. ``boxes`` (a frame's face boxes, by probe) ride on the result."""
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
            if boxes:
                result = replace(result, boxes=tuple(boxes))
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
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
) -> MatchResult:
    """LFR: every face in a camera frame against the signed-off watchlist.

    Faces that match nothing leave only the count; no probe vector or image is kept.
    """
    require_outside_transaction()
    run_id = checked_run_id(run_id)
    backend = backend or engine_backend()
    admission = _admit_lfr(scope, by, gallery_id, location_id, threshold, backend, run_id)
    with ledgered_input(scope, by, gallery_id, location_id, run_id=run_id):
        vectors, boxes = _frame_faces(backend, load_image(image, limits=engine_limits()))
    return search_admitted(
        admission,
        scope,
        by=by,
        vectors=vectors,
        location_id=location_id,
        max_candidates=1,
        run_id=run_id,
        on_candidates=on_candidates,
        boxes=boxes,
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
    backend = backend or engine_backend()
    admission = _admit_lfr(scope, by, gallery_id, location_id, threshold, backend, run_id)
    vectors, boxes = _frame_faces(backend, rgb)
    return search_admitted(
        admission,
        scope,
        by=by,
        vectors=vectors,
        location_id=location_id,
        max_candidates=1,
        run_id=run_id,
        on_candidates=on_candidates,
        boxes=boxes,
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


def _frame_faces(
    backend: FaceBackend, rgb: np.ndarray
) -> tuple[np.ndarray, tuple[tuple[int, int, int, int], ...]]:
    """Every face in a frame: its vectors (searched, never kept) and boxes (returned)."""
    faces = backend.detect(rgb)
    if not faces:
        return np.zeros((0, backend.embedding_dim), dtype=np.float32), ()
    boxes = tuple(tuple(int(v) for v in face.box) for face in faces)
    return np.stack([backend.embed(rgb, face) for face in faces]), boxes


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
    backend = backend or engine_backend()
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
        vectors, boxes = _frame_faces(backend, frame.rgb)
        result = search_admitted(
            admission,
            scope,
            by=by,
            vectors=vectors,
            location_id=location_id,
            max_candidates=1,
            run_id=run_id,
            on_candidates=on_candidates,
            boxes=boxes,
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
