"""Verify the ledger in the database: recompute the chain, check every stored checkpoint and,
optionally, a checkpoint an oversight body saved earlier.

The hashing is ``oversight.offline_verifier`` (the same code the inspection export ships), so
the platform and an inspector's offline check cannot disagree. Rows are streamed in batches by
keyset (``seq > last``), so memory stays flat for any ledger size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connections, transaction

from oversight import keys
from oversight.models import LedgerCheckpoint
from oversight.offline_verifier import (
    ChainResult,
    Problem,
    check_checkpoints,
    key_id_for,
    parse_checkpoint,
    verify_chain,
)
from oversight.schema import SELECT_MAX_SEQ, SELECT_ROWS, SELECT_ROWS_STREAM

BATCH_SIZE = 20_000


@dataclass
class Verification:
    ok: bool
    entries: int
    head_hash: str
    checkpoints_checked: int
    seconds: float
    key_id: str
    problem: Problem | None = None
    checkpoint_file: dict | None = None
    covered: int = 0  # entries 1..covered lie under a verified checkpoint

    @property
    def rate(self) -> float:
        return self.entries / self.seconds if self.seconds > 0 else 0.0

    @property
    def first_bad_seq(self) -> int | None:
        return self.problem.seq if self.problem else None

    def summary(self) -> str:
        """One line: what was checked and whether it holds."""
        if self.problem is not None:
            return f"ledger NOT intact: {self.problem.describe()}"
        head = f"{self.head_hash[:12]}…" if self.entries else "(empty)"
        span = f"seq 1..{self.entries}" if self.entries else "no entries"
        line = (
            f"ledger intact: {self.entries} entries ({span}), head {head}; "
            f"{self.checkpoints_checked} stored signed checkpoints verified with key {self.key_id}"
        )
        if self.checkpoint_file is not None:
            saved = self.checkpoint_file
            line += (
                f"; saved checkpoint (tree size {saved['tree_size']}, signed "
                f"{saved['signed_at']}) matches"
            )
        return f"{line}; {self.coverage}; {self.seconds:.2f} s ({self.rate:,.0f} entries/s)"

    @property
    def uncovered(self) -> int:
        return max(self.entries - self.covered, 0)

    @property
    def coverage(self) -> str:
        """How much of the chain no signed checkpoint covers: a rewrite of those entries that
        re-chains them would go unnoticed, except by someone holding a later copy."""
        if not self.entries:
            return "no entries to cover"
        if not self.uncovered:
            return f"the latest checkpoint covers every entry (1\N{EN DASH}{self.entries:,})"
        span = f"entries {self.covered + 1:,}\N{EN DASH}{self.entries:,} ({self.uncovered:,})"
        if not self.covered:
            return f"{span} are covered by no checkpoint and protected only by the chain"
        return f"{span} are after the latest checkpoint and protected only by the chain"


def iter_rows(using: str = "default", *, after: int = 0, upto: int, batch_size: int = BATCH_SIZE):
    """Yield the ledger's rows (after < seq <= upto) in seq order, in batches.

    PostgreSQL: one server-side cursor (a single index scan, whatever the table's statistics)
    inside a read-only transaction. SQLite: keyset batches (``seq > last``)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using), connection.chunked_cursor() as cursor:
            cursor.execute(SELECT_ROWS_STREAM, [after, upto])
            while rows := cursor.fetchmany(batch_size):
                yield rows
        return
    last = after
    with connection.cursor() as cursor:
        while True:
            cursor.execute(SELECT_ROWS, [last, upto, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]


def verify_database(
    *,
    using: str = "default",
    saved_checkpoint: dict | None = None,
    saved_label: str = "saved checkpoint",
    trusted_public_key: bytes | None = None,
    batch_size: int = BATCH_SIZE,
) -> Verification:
    """Recompute the whole chain and check checkpoints. ``saved_checkpoint`` is a checkpoint
    document (JSON already parsed); ``trusted_public_key`` the raw key to trust (default: the
    configured signing key's public half)."""
    started = time.perf_counter()
    trusted = trusted_public_key if trusted_public_key is not None else keys.public_key_raw()
    checkpoints, problem = _stored_checkpoints(using)
    saved = None
    if saved_checkpoint is not None:
        try:
            saved = parse_checkpoint(saved_checkpoint)
        except ValueError as exc:
            problem = problem or Problem(0, "bad checkpoint", f"{saved_label}: {exc}")
        else:
            saved["_label"] = saved_label
            checkpoints = sorted([*checkpoints, saved], key=lambda c: c["tree_size"])

    with connections[using].cursor() as cursor:
        cursor.execute(SELECT_MAX_SEQ)
        upto = cursor.fetchone()[0] or 0
    rows = iter_rows(using, upto=upto, batch_size=batch_size)
    try:
        chain = verify_chain(rows, want_hashes=[c["tree_size"] for c in checkpoints])
    finally:
        rows.close()  # ends the read transaction at once when a problem stops the pass early
    if problem is None:
        problem = _first(chain, check_checkpoints(checkpoints, chain, trusted))
    return Verification(
        ok=problem is None,
        entries=chain.entries,
        head_hash=chain.head_hash,
        checkpoints_checked=len(checkpoints) - (1 if saved is not None else 0),
        seconds=time.perf_counter() - started,
        key_id=key_id_for(trusted),
        problem=problem,
        checkpoint_file=saved,
        covered=min(max((c["tree_size"] for c in checkpoints), default=0), chain.entries),
    )


def _stored_checkpoints(using: str) -> tuple[list[dict], Problem | None]:
    parsed = []
    for checkpoint in LedgerCheckpoint.objects.using(using).order_by("tree_size", "id"):
        try:
            document = parse_checkpoint(checkpoint.as_document())
        except ValueError as exc:
            return parsed, Problem(
                max(checkpoint.tree_size, 1),
                "bad checkpoint",
                f"stored checkpoint #{checkpoint.pk}: {exc}",
            )
        document["_label"] = f"stored checkpoint #{checkpoint.pk}"
        parsed.append(document)
    return parsed, None


def _first(chain: ChainResult, checkpoint_problem: Problem | None) -> Problem | None:
    if chain.problem is None:
        return checkpoint_problem
    if checkpoint_problem is not None and checkpoint_problem.seq < chain.problem.seq:
        return checkpoint_problem
    return chain.problem
