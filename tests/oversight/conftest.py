"""Helpers to tamper with the ledger the way someone with database access could: with the
append-only triggers out of the way (dropped on SQLite, disabled on PostgreSQL) and restored
afterwards. They run inside the test's transaction, so everything is rolled back too."""

from contextlib import contextmanager

import pytest
from django.db import connection

from oversight.offline_verifier import entry_hash
from oversight.schema import (
    APPEND_ONLY_TABLES,
    sqlite_drop_trigger_statements,
    sqlite_trigger_statements,
)
from tests.factories import LedgerEventFactory

ROW_SQL = (
    "SELECT seq, recorded_at, actor_id, role, action, object_type, object_id, payload, "
    "prev_hash, entry_hash FROM oversight_ledger_entry WHERE seq = %s"
)


@contextmanager
def triggers_disabled():
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                for statement in sqlite_drop_trigger_statements(table):
                    cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in APPEND_ONLY_TABLES:
                if connection.vendor == "postgresql":
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                else:
                    for statement in sqlite_trigger_statements(table):
                        cursor.execute(statement)


class Tamper:
    """What an attacker with SQL access might do to the ledger."""

    def execute(self, sql, params=()):
        with triggers_disabled(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    def row(self, seq):
        with connection.cursor() as cursor:
            cursor.execute(ROW_SQL, [seq])
            return cursor.fetchone()

    def head(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT MAX(seq) FROM oversight_ledger_entry")
            return cursor.fetchone()[0] or 0

    def edit_payload(self, seq, payload='{"reason":"nothing to see"}'):
        self.execute(
            "UPDATE oversight_ledger_entry SET payload = %s WHERE seq = %s", [payload, seq]
        )

    def delete(self, seq):
        self.execute("DELETE FROM oversight_ledger_entry WHERE seq = %s", [seq])

    def swap(self, a, b):
        spare = self.head() + 1000
        with triggers_disabled(), connection.cursor() as cursor:
            for old, new in ((a, spare), (b, a), (spare, b)):
                cursor.execute(
                    "UPDATE oversight_ledger_entry SET seq = %s WHERE seq = %s", [new, old]
                )

    def insert_before(self, seq):
        """Shift entries seq.. up by one and insert a well-formed entry at seq, chained to the
        one before it (the entry after it is then out of place)."""
        head = self.head()
        previous = self.row(seq - 1)
        prev_hash = previous[9] if previous else "0" * 64
        with triggers_disabled(), connection.cursor() as cursor:
            for current in range(head, seq - 1, -1):
                cursor.execute(
                    "UPDATE oversight_ledger_entry SET seq = %s WHERE seq = %s",
                    [current + 1, current],
                )
            fields = [
                seq,
                "2025-01-01T00:00:00.000000Z",
                None,
                "system",
                "application.cancelled",
                "authority.application",
                "999",
                '{"reason":"inserted afterwards"}',
                prev_hash,
            ]
            cursor.execute(
                "INSERT INTO oversight_ledger_entry (seq, recorded_at, actor_id, role, action, "
                "object_type, object_id, payload, prev_hash, entry_hash) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [*fields, entry_hash(*fields)],
            )

    def rechain_from(self, seq, payload='{"reason":"rewritten"}'):
        """Change entry seq and recompute every hash after it, as a careful forger would."""
        head = self.head()
        with triggers_disabled(), connection.cursor() as cursor:
            previous = self.row(seq - 1)
            prev_hash = previous[9] if previous else "0" * 64
            for current in range(seq, head + 1):
                row = list(self.row(current))
                if current == seq:
                    row[7] = payload
                row[8] = prev_hash
                row[9] = entry_hash(*row[:9])
                cursor.execute(
                    "UPDATE oversight_ledger_entry SET payload = %s, prev_hash = %s, "
                    "entry_hash = %s WHERE seq = %s",
                    [row[7], row[8], row[9], current],
                )
                prev_hash = row[9]


@pytest.fixture
def tamper():
    return Tamper()


@pytest.fixture
def events(db):
    """Five fresh events; returns their entries (seq numbers follow whatever came before)."""
    return [LedgerEventFactory(payload={"reason": "test event", "n": n}) for n in range(5)]
