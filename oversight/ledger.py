"""The ledger's one entry point: ``record_event``, called inside the caller's transaction.

Every service that changes state writes its event with it in the same ``transaction.atomic()``
block, after its checks and writes and before its side effects::

    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=pk)
        ...  # checks, then writes
        record_event(actor=by, role=Role.AUTHORISING_OFFICER, action="application.authorised",
                     subject=application, payload={"conditions": 2, "wad_version": 1})
        transaction.on_commit(...)

If the event cannot be written, ``record_event`` raises and the whole action rolls back
(fail closed). Called outside a transaction it raises ``LedgerOutsideTransaction``.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock taken before the
head is read, both in one call of ``oversight_ledger_locked_head`` (released at commit or
rollback); SQLite allows one writer at a time. The primary
key on ``seq`` refuses a duplicate either way, so the sequence stays gapless and the chain
unbroken under concurrency. Each entry's hash covers the fields listed in
``oversight.offline_verifier`` (the exact byte layout), summarised here:

    sha256("wa-ledger-entry-v1" LF seq LF recorded_at LF actor_id LF role LF action LF
           object_type LF object_id LF canonical_payload LF prev_hash)

with recorded_at as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, actor_id empty for the system and
prev_hash 64 zeros for seq 1; the payload is canonical JSON (``oversight.canonical``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connections, models
from django.utils import timezone

from common.roles import Role
from oversight.canonical import canonical_json, format_time
from oversight.errors import InvalidLedgerEvent, LedgerOutsideTransaction
from oversight.models import LedgerEntry
from oversight.offline_verifier import GENESIS_HASH, entry_hash
from oversight.schema import INSERT_ENTRY, SELECT_HEAD, SELECT_LOCKED_HEAD

if TYPE_CHECKING:
    # The acting account, whatever the user model (the ledger knows no app above it).
    from django.contrib.auth.models import AbstractBaseUser as User

# pg_advisory_xact_lock key shared by every append and checkpoint ("WALEDGER" in ASCII).
LEDGER_LOCK_KEY = 0x57414C4544474552
SYSTEM_ROLE = "system"
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
OBJECT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
OBJECT_ID_PATTERN = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")
ROLE_CODES = frozenset(role.value for role in Role) | {SYSTEM_ROLE}


def record_event(
    *,
    actor: User | None,
    action: str,
    subject: models.Model | tuple[str, str | int],
    payload: dict | None = None,
    role: Role | str | None = None,
) -> LedgerEntry:
    """Append one domain event to the ledger, in the caller's transaction.

    ``actor`` is the acting user, or None for the system (scheduled jobs). ``role`` is the role
    acted in; by default the actor's roles, sorted and comma-joined, or "system". ``subject``
    is a saved model instance or an explicit ("app_label.model", id) pair. ``payload`` holds
    ids, counts, reasons and hashes; biometric data raises ``BiometricDataInLedger``.
    """
    return append_event(
        actor=actor, action=action, subject=subject, payload=payload, role=role, using="default"
    )


def append_event(
    *,
    actor: User | None,
    action: str,
    subject: models.Model | tuple[str, str | int],
    payload: dict | None = None,
    role: Role | str | None = None,
    using: str = "default",
) -> LedgerEntry:
    """``record_event`` on a named database (the benchmark's throwaway one)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise LedgerOutsideTransaction(
            f"record_event({action!r}) must be called inside the action's transaction.atomic()"
        )
    if not isinstance(action, str) or not ACTION_PATTERN.match(action):
        raise InvalidLedgerEvent(
            f"Ledger action {action!r} must read <entity>.<past tense>, "
            "e.g. application.authorised."
        )
    object_type, object_id = _subject(subject)
    actor_id = _actor_id(actor)
    role_text = _role(actor, role)
    payload_text = canonical_json(payload)

    with connection.cursor() as cursor:
        head = _locked_head(cursor, connection.vendor)
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        recorded_at = format_time(timezone.now())
        fields = (seq, recorded_at, actor_id, role_text, action, object_type, object_id)
        digest = entry_hash(*fields, payload_text, prev_hash)
        cursor.execute(INSERT_ENTRY, [*fields, payload_text, prev_hash, digest])
    entry = LedgerEntry(
        seq=seq,
        recorded_at=recorded_at,
        actor_id=actor_id,
        role=role_text,
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=payload_text,
        prev_hash=prev_hash,
        entry_hash=digest,
    )
    entry._state.adding, entry._state.db = False, using  # as if loaded: it is on disk now
    if checkpoint_due(seq, int(getattr(settings, "LEDGER_CHECKPOINT_EVERY", 0) or 0)):
        from oversight.checkpoints import sign_checkpoint

        sign_checkpoint(tree_size=seq, head_hash=entry.entry_hash, using=using)
    return entry


def checkpoint_due(seq: int, every: int) -> bool:
    """Sign with the first entry, so a new ledger is anchored from the start (until the first
    N-th or hourly one, a rewrite of entry 1 would go unnoticed), and with every N-th."""
    return seq == 1 or bool(every and seq % every == 0)


def lock_ledger(cursor, vendor: str) -> None:
    """Serialise appends until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])


def _locked_head(cursor, vendor: str) -> tuple[int, str] | None:
    """Take the append lock and read the head (one round trip on PostgreSQL)."""
    if vendor == "postgresql":
        cursor.execute(SELECT_LOCKED_HEAD, [LEDGER_LOCK_KEY])
    else:
        cursor.execute(SELECT_HEAD)
    return cursor.fetchone()


def ledger_head(using: str = "default") -> tuple[int, str]:
    """(number of entries, hash of the last) — (0, 64 zeros) when the ledger is empty."""
    with connections[using].cursor() as cursor:
        cursor.execute(SELECT_HEAD)
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def _subject(subject) -> tuple[str, str]:
    if isinstance(subject, models.Model):
        if subject.pk is None:
            raise InvalidLedgerEvent("The ledger records saved objects only: save it first.")
        object_type, object_id = subject._meta.label_lower, str(subject.pk)
    elif isinstance(subject, tuple) and len(subject) == 2:
        object_type, object_id = str(subject[0]), str(subject[1])
    else:
        raise InvalidLedgerEvent(
            "A ledger subject is a model instance or an ('app_label.model', id) pair."
        )
    if not OBJECT_TYPE_PATTERN.match(object_type):
        raise InvalidLedgerEvent(f"Ledger object type {object_type!r} must read app_label.model.")
    if not OBJECT_ID_PATTERN.match(object_id):
        raise InvalidLedgerEvent(
            f"Ledger object id {object_id!r} must be 1 to 64 printable characters."
        )
    return object_type, object_id


def _actor_id(actor) -> int | None:
    if actor is None:
        return None
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        raise InvalidLedgerEvent("The ledger's actor is a saved user, or None for the system.")
    return int(actor.pk)


def _role(actor, role) -> str:
    if role is not None:
        text = role.value if isinstance(role, Role) else str(role)
        if text not in ROLE_CODES:
            raise InvalidLedgerEvent(f"{text!r} is not a role (see common.roles.Role).")
        if actor is None and text != SYSTEM_ROLE:
            raise InvalidLedgerEvent("The system acts in the role 'system' only.")
        return text
    if actor is None:
        return SYSTEM_ROLE
    return ",".join(sorted(r.value for r in actor.roles))
