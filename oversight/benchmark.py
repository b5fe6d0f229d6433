"""Benchmark the ledger in a throwaway database: bulk append, verification, record_event.

The database is created for the run and destroyed after it, on the same engine as the
configured one: a temporary SQLite file, or a new PostgreSQL database on the configured server
(``wa_ledger_benchmark_<pid>_<n>``, dropped at the end), created as DATABASE_OWNER_URL's role
when it is set (the application's role may not create databases). No shared database is
touched.
"""

from __future__ import annotations

import base64
import os
import platform
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, transaction

from oversight import keys
from oversight.canonical import TIME_FORMAT
from oversight.dbroles import CREDENTIAL_KEYS
from oversight.ledger import append_event, checkpoint_due
from oversight.models import LedgerCheckpoint
from oversight.offline_verifier import GENESIS_HASH, checkpoint_message, entry_hash, key_id_for
from oversight.schema import create_statements
from oversight.verification import verify_database

ALIAS = "ledger_benchmark"
BATCH = 10_000
ACTIONS = (
    "application.submitted",
    "application.authorised",
    "wad.issued",
    "watchlist.signed_off",
    "engine.search_run",
    "engine.search_refused",
    "alert.adjudicated",
)
ROLES = ("applicant_officer", "authorising_officer", "watchlist_officer", "lfr_operator")
INSERT_SQL = (
    "INSERT INTO oversight_ledger_entry (seq, recorded_at, actor_id, role, action, object_type, "
    "object_id, payload, prev_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
COPY_SQL = (
    "COPY oversight_ledger_entry (seq, recorded_at, actor_id, role, action, object_type, "
    "object_id, payload, prev_hash, entry_hash) FROM STDIN"
)


def synthetic_batches(count: int, *, batch: int = BATCH) -> Iterator[list[tuple]]:
    """``count`` chained entries with realistic sizes (ids, counts, a reason, a hash)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    prev = GENESIS_HASH
    rows: list[tuple] = []
    for seq in range(1, count + 1):
        recorded_at = (start + timedelta(milliseconds=seq)).strftime(TIME_FORMAT)
        actor_id = seq % 500 + 1
        role = ROLES[seq % len(ROLES)]
        action = ACTIONS[seq % len(ACTIONS)]
        object_id = str(seq // 7 + 1)
        payload = (
            f'{{"application_id":{seq // 7 + 1},"count":{seq % 97},'
            f'"document_sha256":"{prev}","reason":"synthetic benchmark entry"}}'
        )
        digest = entry_hash(
            seq,
            recorded_at,
            actor_id,
            role,
            action,
            "authority.application",
            object_id,
            payload,
            prev,
        )
        rows.append(
            (
                seq,
                recorded_at,
                actor_id,
                role,
                action,
                "authority.application",
                object_id,
                payload,
                prev,
                digest,
            )
        )
        prev = digest
        if len(rows) >= batch:
            yield rows
            rows = []
    if rows:
        yield rows


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh database with the ledger schema, on the configured engine; removed after."""
    base = dict(connections["default"].settings_dict)
    vendor = connections["default"].vendor
    owner = getattr(settings, "DATABASE_OWNER", None)
    if vendor == "postgresql" and owner is not None:
        # The application's role may not create databases; the owner's may.
        base.update({key: owner.get(key) for key in CREDENTIAL_KEYS})
    cleanup = None
    if vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="wa-ledger-benchmark-")
        name = os.path.join(folder, "ledger.sqlite3")

        def cleanup():
            shutil.rmtree(folder, ignore_errors=True)

    elif vendor == "postgresql":
        import psycopg

        name = f"wa_ledger_benchmark_{os.getpid()}_{secrets.token_hex(3)}"
        admin = {
            "host": base.get("HOST") or None,
            "port": base.get("PORT") or None,
            "user": base.get("USER") or None,
            "password": base.get("PASSWORD") or None,
            "dbname": "postgres",
        }
        admin = {k: v for k, v in admin.items() if v is not None}
        with psycopg.connect(**admin, autocommit=True) as maintenance:
            maintenance.execute(f'CREATE DATABASE "{name}"')

        def cleanup():
            with psycopg.connect(**admin, autocommit=True) as maintenance:
                maintenance.execute(f'DROP DATABASE IF EXISTS "{name}"')

    else:
        raise NotImplementedError(vendor)
    connections.settings[ALIAS] = {**base, "NAME": name, "TEST": {**base.get("TEST", {})}}
    try:
        with connections[ALIAS].cursor() as cursor:
            for statement in create_statements(vendor):
                cursor.execute(statement)
        yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        cleanup()


def bulk_append(alias: str, count: int, *, checkpoint_every: int) -> float:
    """Write ``count`` chained entries (and a signed checkpoint every N); return seconds."""
    connection = connections[alias]
    signing = keys.signing_key()
    raw = keys.public_key_raw()
    public = base64.b64encode(raw).decode()
    key_id = key_id_for(raw)
    started = time.perf_counter()
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        checkpoints = []
        for rows in synthetic_batches(count):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(COPY_SQL) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(INSERT_SQL, rows)
            for row in rows:
                if checkpoint_due(row[0], checkpoint_every):
                    signed_at = row[1]
                    signature = signing.sign(checkpoint_message(row[0], row[9], signed_at))
                    checkpoints.append(
                        LedgerCheckpoint(
                            tree_size=row[0],
                            head_hash=row[9],
                            signed_at=signed_at,
                            key_id=key_id,
                            public_key=public,
                            signature=base64.b64encode(signature).decode(),
                        )
                    )
        LedgerCheckpoint.objects.using(alias).bulk_create(checkpoints, batch_size=1000)
    return time.perf_counter() - started


def record_event_sample(alias: str, count: int) -> float:
    """``count`` record_event calls, each in its own transaction (as services make them)."""
    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic(using=alias):
            append_event(
                actor=None,
                action="benchmark.appended",
                subject=("oversight.benchmark", n + 1),
                payload={"count": n, "reason": "record_event benchmark"},
                using=alias,
            )
    return time.perf_counter() - started


def run_benchmark(*, entries: int, sample: int, checkpoint_every: int, progress=None) -> dict:
    say = progress or (lambda message: None)
    vendor = connections["default"].vendor
    with throwaway_database() as alias:
        say(f"writing {entries:,} chained entries into a throwaway {vendor} database…")
        append_seconds = bulk_append(alias, entries, checkpoint_every=checkpoint_every)
        say(f"verifying {entries:,} entries…")
        verification = verify_database(using=alias)
        sample_seconds = record_event_sample(alias, sample) if sample else 0.0
    return {
        "database": f"throwaway {vendor} database (dropped after the run)",
        "vendor": vendor,
        "entries": entries,
        "checkpoint_every": checkpoint_every,
        "bulk_append": {
            "seconds": round(append_seconds, 3),
            "entries_per_second": round(entries / append_seconds) if append_seconds else None,
        },
        "verify": {
            "ok": verification.ok,
            "summary": verification.summary(),
            "entries": verification.entries,
            "checkpoints": verification.checkpoints_checked,
            "seconds": round(verification.seconds, 3),
            "entries_per_second": round(verification.rate),
        },
        "record_event": {
            "events": sample,
            "seconds": round(sample_seconds, 3),
            "events_per_second": round(sample / sample_seconds) if sample_seconds else None,
            "note": "one transaction per event, appended after the bulk entries",
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
