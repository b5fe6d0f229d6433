"""The gate's checks: a scope is re-read against the database at every engine call, and
anything wrong refuses the call (fail closed), the refusal committed to the ledger on its own.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from authority.models import LIVE_STATUSES, ApplicationStatus
from biometric_engine.models import GalleryKind
from biometric_engine.selectors import equitability_problem
from common.errors import DomainError, InvalidInput
from gate.galleries import GALLERY_KINDS_FOR_MODE
from gate.scope import SEARCH, AuthorityScope, signature_is_valid
from gate.selectors import GateState, gate_state
from oversight.ledger import record_event

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


class EngineCallInTransaction(RuntimeError):
    """A programming error: the gate commits its own ledger events, so a caller's rollback
    must never be able to erase a refusal or a search."""


RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def require_outside_transaction(using: str = "default") -> None:
    """Refuse an engine call made inside the caller's own transaction.

    The same test as Django's durable atomic blocks: only a test case's wrapping transaction
    (``_from_testcase``, which Django itself exempts) may be open.
    """
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and not all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    ):
        raise EngineCallInTransaction(
            "An engine call was made inside an open transaction. Call the gate outside any "
            "transaction.atomic block: it commits its ledger events itself, and a rollback of "
            "yours would erase them. Rows that belong with a result go in on_candidates."
        )


def checked_run_id(run_id: str | None) -> str | None:
    """The caller's name for its run (a deployment's, a search request's), carried by every
    engine event so the run's figures follow from the ledger alone."""
    if run_id is None:
        return None
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise InvalidInput(
            "A run id is 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter "
            "or digit.",
            field="run_id",
        )
    return run_id


def with_run(payload: dict, run_id: str | None) -> dict:
    return {**payload, "run_id": run_id} if run_id is not None else payload


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
    _check_gallery(state, scope, mode=mode, now=now)
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
    if state.authority_status not in LIVE_STATUSES:
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


def _check_gallery(state: GateState, scope: AuthorityScope, *, mode: str, now: datetime) -> None:
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
    if state.sealed_at is None:
        raise refuse(
            "watchlist_not_signed_off",
            "The watchlist has not been signed off by the authorising officer.",
        )
    if state.sealed_revision != state.gallery_revision:
        raise refuse(
            "watchlist_stale",
            "The watchlist has changed since it was signed off; it needs a new sign-off.",
        )
    if state.sealed_until is None or now >= state.sealed_until:
        raise refuse(
            "watchlist_stale",
            "The watchlist was signed off for a deployment that has ended.",
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


def authority_subject(scope: AuthorityScope | None, *, verified: bool = True):
    return (AUTHORITY_SUBJECT, scope.authority_id if scope and verified else "unverified")


def ledger_refusal(
    scope,
    by,
    gallery_id,
    location_id,
    refusal: EngineRefused,
    *,
    action: str = REFUSED,
    run_id: str | None = None,
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
            subject=authority_subject(scope, verified=verified),
            payload=with_run(
                _refusal_payload(scope, gallery_id, location_id, refusal.code, verified=verified),
                run_id,
            ),
        )


def admit(
    scope,
    *,
    by,
    mode,
    gallery_id,
    location_id,
    threshold,
    engine_model: str,
    run_id: str | None = None,
) -> Admission:
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
        ledger_refusal(scope, by, gallery_id, location_id, refusal, run_id=run_id)
        raise
