"""The gate: the only way to run the engine. Every call is checked against the database and
written to the ledger before the search runs; anything wrong refuses the call (fail closed).

Call these outside any open transaction: a refusal is committed to the ledger on its own, and
an admitted search commits its ledger events with its result.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import transaction
from django.utils import timezone

from authority.models import ApplicationStatus
from biometric_engine.core.backends import FaceBackend
from biometric_engine.core.embed import EMBEDDING_DIM
from biometric_engine.core.errors import EngineInputError
from biometric_engine.core.images import load_image
from biometric_engine.core.match import MatchResult, match_probes
from biometric_engine.core.video import read_video_frames
from biometric_engine.engine import engine_backend, engine_limits, one_face_template
from biometric_engine.indexes import index_for
from biometric_engine.models import GALLERY_KINDS_FOR_MODE, GalleryKind
from biometric_engine.scope import SEARCH, AuthorityScope, signature_is_valid
from biometric_engine.selectors import (
    GateState,
    enrolled_ids,
    equitability_problem,
    gate_state,
)
from common.errors import DomainError, InvalidInput
from oversight.ledger import record_event

WATCHLIST_MAX_AGE = timedelta(hours=24)  # composed no more than 24 h before the deployment
RFR_CANDIDATE_CAP = 200  # South Wales Police return at most 200 candidates


class EngineRefused(DomainError):
    """The engine did not run. ``code`` names the reason; the refusal is on the ledger."""

    kind = "forbidden"

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


@dataclass(frozen=True)
class Admission:
    gallery_id: int
    gallery_revision: int
    threshold: float


# Refusals after which nothing in the scope can be believed (it may be forged), and those
# after which its role cannot be either (it is someone else's, or no longer held).
UNVERIFIED_SCOPE = frozenset({"no_scope", "bad_signature"})
UNTRUSTED_ROLE = UNVERIFIED_SCOPE | {"scope_not_issued_to_caller", "holder_not_permitted"}
AUTHORITY_SUBJECT = "authority.application"
REFUSED = "engine.search_refused"
LIVE = (ApplicationStatus.AUTHORISED, ApplicationStatus.URGENT_AUTHORISED)


def refuse(code: str, detail: str) -> EngineRefused:
    return EngineRefused(code, detail)


def check_scope(
    scope: AuthorityScope | None,
    *,
    mode: str,
    gallery_id: int,
    location_id: int | None,
    threshold: Decimal | None,
    now: datetime,
    holder_id: int | None,
    lock: bool = False,
) -> Admission:
    """Every reason the engine must not run, checked against the database now.

    ``lock`` holds the authority's row until the caller's transaction ends (see gate_state).
    """
    state = read_checked_state(
        scope, purpose=SEARCH, gallery_id=gallery_id, holder_id=holder_id, now=now, lock=lock
    )
    _check_window_and_mode(state, scope, mode=mode, now=now)
    if scope.gallery_id != gallery_id:
        raise refuse("wrong_gallery", "The authority does not cover this watchlist or gallery.")
    _check_gallery(state, scope, mode=mode)
    # LFR runs only at named places: a scope naming none opens no camera (fail closed).
    if (mode == "lfr" or scope.location_ids) and location_id not in scope.location_ids:
        raise refuse(
            "location_not_authorised", "The engine may only run at the authorised locations."
        )
    authorised = Decimal(scope.threshold)
    try:
        asked = authorised if threshold is None else Decimal(str(threshold))
    except InvalidOperation:
        raise refuse("bad_threshold", "The threshold is not a number.") from None
    if not (asked.is_finite() and asked <= 1):
        raise refuse("bad_threshold", "A threshold is a similarity score no higher than 1.")
    if asked < authorised:
        raise refuse(
            "threshold_below_authorised",
            f"A threshold of {asked} is below the authorised {authorised}.",
        )
    problem = equitability_problem(
        report_id=state.report_id,
        minimum=state.report_minimum,
        model_version=scope.model_version,
        threshold=asked,
    )
    if problem is not None:
        raise refuse(*problem)
    return Admission(
        gallery_id=gallery_id,
        gallery_revision=state.gallery_revision,
        threshold=float(asked),
    )


def read_checked_state(
    scope: AuthorityScope | None,
    *,
    purpose: str,
    gallery_id: int,
    holder_id: int | None,
    now: datetime,
    lock: bool,
) -> GateState:
    """The checks every use of a scope shares: presented, genuine, the caller's, for this
    purpose, and its authority live now under the decision it was issued from."""
    if scope is None:
        raise refuse("no_scope", "No authority scope was presented.")
    if not signature_is_valid(scope):
        raise refuse("bad_signature", "The authority scope's signature is not valid.")
    # A scope is personal: one picked up by someone else does not open the engine.
    if holder_id is None or holder_id != scope.issued_to:
        raise refuse(
            "scope_not_issued_to_caller", "This authority scope was issued to another officer."
        )
    if scope.purpose != purpose:
        raise refuse("wrong_purpose", f"This scope is for {scope.purpose}, not {purpose}.")
    state = gate_state(
        authority_id=scope.authority_id,
        gallery_id=gallery_id,
        model_version=scope.model_version,
        holder_id=holder_id,
        role=scope.role,
        lock=lock,
    )
    if state is None:
        raise refuse("authority_not_found", "The scope names no known authority.")
    # The scope was issued to an officer in a role; an account since disabled, or a role since
    # withdrawn, ends it at once rather than when it expires.
    if not (state.holder_active and state.holder_has_role):
        raise refuse(
            "holder_not_permitted",
            f"The officer's account is disabled or no longer holds the role {scope.role}.",
        )
    _check_live(state, scope, now=now)
    return state


def _check_live(state: GateState, scope: AuthorityScope, *, now: datetime) -> None:
    if state.authority_status not in LIVE:
        label = ApplicationStatus(state.authority_status).label.lower()
        raise refuse("authority_not_valid", f"The authority is {label}.")
    if state.lapses_at and now >= state.lapses_at:
        raise refuse("authority_not_valid", "The urgent authority has lapsed.")
    if state.halted_at is not None:
        raise refuse("authority_not_valid", "The Silver commander has halted the engine.")
    if state.decision_id != scope.decision_id:
        raise refuse(
            "scope_superseded",
            "A later decision changed the authority's terms; ask for a new scope.",
        )
    if now >= scope.expires:
        raise refuse("scope_expired", "The authority scope has expired; ask for a new one.")


def _check_window_and_mode(state: GateState, scope: AuthorityScope, *, mode: str, now: datetime):
    if not (state.valid_from and state.valid_until and state.valid_from <= now < state.valid_until):
        raise refuse("outside_window", "The authority's window is not open now.")
    start, end = scope.window
    if not (start <= now < end):
        raise refuse("outside_window", "The scope's window is not open now.")
    if scope.mode != mode or state.authority_mode != mode:
        raise refuse(
            "wrong_mode",
            f"The authority is for {state.authority_mode.upper()}, not {mode.upper()}.",
        )


def _check_gallery(state: GateState, scope: AuthorityScope, *, mode: str) -> None:
    if not state.gallery_found or state.gallery_kind not in GALLERY_KINDS_FOR_MODE[mode]:
        raise refuse("wrong_gallery", "This gallery may not be searched in this mode.")
    if state.gallery_model_version != scope.model_version:
        raise refuse(
            "wrong_model",
            "The gallery was enrolled with another model than the "
            "one the threshold was authorised for.",
        )
    if state.gallery_kind != GalleryKind.WATCHLIST:
        return
    if state.gallery_authority_id != scope.authority_id:
        raise refuse("wrong_gallery", "The watchlist belongs to another authority.")
    if state.signed_off_at is None:
        raise refuse(
            "watchlist_not_signed_off",
            "The watchlist has not been signed off by the authorising officer.",
        )
    if (
        state.composed_at is None
        or state.deployment_start is None
        or state.deployment_start - state.composed_at > WATCHLIST_MAX_AGE
    ):
        raise refuse(
            "watchlist_stale",
            "The watchlist was composed more than 24 hours before the deployment started.",
        )


def require_engine_model(scope: AuthorityScope, engine_model: str) -> None:
    # The threshold was authorised for one model: another model's scores mean nothing.
    if engine_model != scope.model_version:
        raise refuse(
            "wrong_model",
            f"The engine runs {engine_model}; the authority's threshold is for "
            f"{scope.model_version}.",
        )


def _refusal_payload(
    scope: AuthorityScope | None, gallery_id, location_id, reason: str, *, verified: bool
) -> dict:
    return {
        "reason": reason,
        "gallery_id": _as_id(gallery_id),
        "location_id": _as_id(location_id),
        "mode": scope.mode if verified else None,
    }


def _as_id(value) -> int | None:
    # Ids come from the caller: anything but a plain integer is recorded as absent.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _authority_subject(scope: AuthorityScope | None, *, verified: bool = True):
    return (AUTHORITY_SUBJECT, scope.authority_id if scope and verified else "unverified")


def ledger_refusal(
    scope, by, gallery_id, location_id, refusal: EngineRefused, *, action: str = REFUSED
) -> None:
    # A forged scope names nothing we may file the refusal under; the caller is recorded by
    # their own roles unless the scope's role is verifiably theirs.
    verified = scope is not None and refusal.code not in UNVERIFIED_SCOPE
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    role = scope.role if verified and actor and refusal.code not in UNTRUSTED_ROLE else None
    with transaction.atomic():
        record_event(
            actor=actor,
            role=role,
            action=action,
            subject=_authority_subject(scope, verified=verified),
            payload=_refusal_payload(
                scope, gallery_id, location_id, refusal.code, verified=verified
            ),
        )


def _admit(scope, *, by, mode, gallery_id, location_id, threshold, engine_model: str) -> Admission:
    """Run the checks; on refusal commit a ledger event and raise."""
    try:
        admission = check_scope(
            scope,
            mode=mode,
            gallery_id=gallery_id,
            location_id=location_id,
            threshold=threshold,
            now=timezone.now(),
            holder_id=by.pk if by is not None else None,
        )
        require_engine_model(scope, engine_model)
        return admission
    except EngineRefused as refusal:
        ledger_refusal(scope, by, gallery_id, location_id, refusal)
        raise


def _still_enrolled(result: MatchResult, gallery_id: int) -> MatchResult:
    """Drop candidates whose rows were deleted after the index was read (a removal racing the
    search); only a match pays for the check."""
    if not result.candidates:
        return result
    present = enrolled_ids(gallery_id, [candidate.id for candidate in result.candidates])
    return replace(result, candidates=tuple(c for c in result.candidates if c.id in present))


def _search(
    admission: Admission,
    scope: AuthorityScope,
    *,
    by,
    vectors: np.ndarray,
    location_id,
    max_candidates: int,
) -> MatchResult:
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
            subject = _authority_subject(scope)
            record_event(
                actor=by,
                role=scope.role,
                action="engine.search_run",
                subject=subject,
                payload={
                    "gallery_id": gallery_id,
                    "location_id": location_id,
                    "threshold": str(admission.threshold),
                    "mode": scope.mode,
                    "probes": int(vectors.shape[0]),
                },
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
            # Most frames match nothing: their call is one event. A match adds a second with
            # the candidates' scores, in the same transaction, before anyone can see it.
            if result.candidates:
                record_event(
                    actor=by,
                    role=scope.role,
                    action="engine.candidates_found",
                    subject=subject,
                    payload={
                        "gallery_id": gallery_id,
                        "candidates": len(result.candidates),
                        "scores": [round(c.score, 4) for c in result.candidates],
                    },
                )
    except EngineRefused as refusal:
        ledger_refusal(scope, by, gallery_id, location_id, refusal)
        raise
    return result


@contextmanager
def ledgered_input(
    scope: AuthorityScope, by, gallery_id, location_id, *, action: str = "engine.probe_rejected"
):
    """An admitted call whose image or face the engine refuses is recorded too, then raised."""
    try:
        yield
    except EngineInputError as error:
        with transaction.atomic():
            record_event(
                actor=by,
                role=scope.role,
                action=action,
                subject=_authority_subject(scope),
                payload={
                    **error.facts,  # e.g. a truncated video's frames read and declared
                    "reason": error.code,
                    "gallery_id": gallery_id,
                    "location_id": location_id,
                    "mode": scope.mode,
                },
            )
        raise


def search_frame(
    *,
    scope: AuthorityScope | None,
    image: bytes,
    gallery_id: int,
    location_id: int,
    by=None,
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
) -> MatchResult:
    """LFR: every face in a camera frame against the signed-off watchlist.

    Faces that match nothing leave only the count; no probe vector or image is kept.
    """
    backend = backend or engine_backend()
    admission = _admit_lfr(scope, by, gallery_id, location_id, threshold, backend)
    with ledgered_input(scope, by, gallery_id, location_id):
        vectors = _frame_vectors(backend, load_image(image, limits=engine_limits()))
    return _search(
        admission, scope, by=by, vectors=vectors, location_id=location_id, max_candidates=1
    )


def _admit_lfr(scope, by, gallery_id, location_id, threshold, backend) -> Admission:
    return _admit(
        scope,
        by=by,
        mode="lfr",
        gallery_id=gallery_id,
        location_id=location_id,
        threshold=threshold,
        engine_model=backend.model_version,
    )


def _frame_vectors(backend: FaceBackend, rgb: np.ndarray) -> np.ndarray:
    faces = backend.detect(rgb)
    if not faces:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return np.stack([backend.embed(rgb, face) for face in faces])


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
    by=None,
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
    backend = backend or engine_backend()
    admission = _admit_lfr(scope, by, gallery_id, location_id, threshold, backend)
    with ledgered_input(scope, by, gallery_id, location_id):
        frames = read_video_frames(video, limits=engine_limits(), every_nth_frame=every_nth_frame)
    while True:
        with ledgered_input(scope, by, gallery_id, location_id):
            frame = next(frames, None)
        if frame is None:
            return
        admission = admission or _admit_lfr(scope, by, gallery_id, location_id, threshold, backend)
        vectors = _frame_vectors(backend, frame.rgb)
        result = _search(
            admission, scope, by=by, vectors=vectors, location_id=location_id, max_candidates=1
        )
        admission = None  # the next frame is admitted afresh
        yield FrameMatch(frame.index, frame.timestamp_s, result)


def search_probe(
    *,
    scope: AuthorityScope | None,
    image: bytes,
    gallery_id: int,
    by=None,
    threshold: Decimal | None = None,
    backend: FaceBackend | None = None,
    max_candidates: int = RFR_CANDIDATE_CAP,
) -> MatchResult:
    """RFR / OIFR: one probe face (quality rules apply) against a lawful gallery.

    The probe image and its vector are not kept after the search.
    """
    if not isinstance(max_candidates, int) or max_candidates < 1:
        raise InvalidInput("Ask for at least one candidate.", field="max_candidates")
    mode = scope.mode if scope and scope.mode in ("rfr", "oifr") else "rfr"
    backend = backend or engine_backend()
    admission = _admit(
        scope,
        by=by,
        mode=mode,
        gallery_id=gallery_id,
        location_id=None,
        threshold=threshold,
        engine_model=backend.model_version,
    )
    with ledgered_input(scope, by, gallery_id, None):
        vector, _quality = one_face_template(image, backend)
    return _search(
        admission,
        scope,
        by=by,
        vectors=vector.reshape(1, -1),
        location_id=None,
        max_candidates=min(max_candidates, RFR_CANDIDATE_CAP),
    )
