"""Signed checkpoints: an Ed25519 signature over the ledger's size and head hash.

One is signed in the same transaction as the first entry and every N-th
(settings.LEDGER_CHECKPOINT_EVERY), and one every hour by Celery beat when the ledger has grown
(``oversight.tasks``). The latest is public (``/transparency/ledger-checkpoint.json``), so anyone
can keep copies; an oversight body saves one (that URL, ``/oversight/checkpoint.json``,
``GET /api/v1/ledger/checkpoint/`` or ``manage.py ledger_checkpoint --out FILE``) and later
checks the ledger against it with ``verify_ledger --checkpoint FILE``: nothing before it can
change without that check failing, even if the checkpoints stored here were deleted.
"""

from __future__ import annotations

import base64

from django.db import connections, transaction
from django.utils import timezone

from oversight import keys
from oversight.canonical import format_time
from oversight.ledger import ledger_head, lock_ledger
from oversight.models import LedgerCheckpoint
from oversight.offline_verifier import checkpoint_message, key_id_for


def sign_checkpoint(*, tree_size: int, head_hash: str, using: str = "default") -> LedgerCheckpoint:
    """Sign and store a checkpoint of the given head (the caller holds the ledger lock)."""
    key = keys.signing_key()
    raw = keys.public_key_raw()
    signed_at = format_time(timezone.now())
    signature = key.sign(checkpoint_message(tree_size, head_hash, signed_at))
    checkpoint = LedgerCheckpoint(
        tree_size=tree_size,
        head_hash=head_hash,
        signed_at=signed_at,
        key_id=key_id_for(raw),
        public_key=base64.b64encode(raw).decode(),
        signature=base64.b64encode(signature).decode(),
    )
    checkpoint.save(using=using)
    return checkpoint


def create_checkpoint(
    *, only_if_moved: bool = True, using: str = "default"
) -> tuple[LedgerCheckpoint, bool]:
    """Sign the current head; with ``only_if_moved``, reuse the latest checkpoint when the
    ledger has not grown since (so the hourly task is idempotent). Returns (checkpoint, new)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            lock_ledger(cursor, connection.vendor)
        size, head_hash = ledger_head(using)
        latest = latest_checkpoint(using=using)
        if (
            only_if_moved
            and latest is not None
            and latest.tree_size == size
            and latest.head_hash == head_hash
        ):
            return latest, False
        return sign_checkpoint(tree_size=size, head_hash=head_hash, using=using), True


def latest_checkpoint(*, using: str = "default") -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.using(using).order_by("-tree_size", "-id").first()
