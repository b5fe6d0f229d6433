"""UPDATE and DELETE on the ledger are refused by database triggers, not only by the ORM.

These run on SQLite in `make test` and on PostgreSQL in .ci/run: the same tests, both engines.
On PostgreSQL they run as the owner, who holds UPDATE and DELETE and meets the triggers; the
application's role is refused before that (tests/oversight/test_app_role.py).
"""

import pytest
from django.db import DatabaseError, connection, transaction

from oversight.checkpoints import create_checkpoint
from oversight.models import LedgerCheckpoint, LedgerEntry
from tests.factories import LedgerEventFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("as_ledger_owner")]


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE oversight_ledger_entry SET payload = '{}' WHERE seq = %s",
        "UPDATE oversight_ledger_entry SET seq = seq + 1000 WHERE seq = %s",
        "DELETE FROM oversight_ledger_entry WHERE seq = %s",
    ],
    ids=["update-payload", "update-seq", "delete"],
)
def test_direct_sql_update_or_delete_of_an_entry_is_refused(sql):
    entry = LedgerEventFactory()
    with pytest.raises(DatabaseError, match="append-only"):
        raw(sql, [entry.seq])
    assert LedgerEntry.objects.get(seq=entry.seq).entry_hash == entry.entry_hash


def test_queryset_update_and_delete_are_refused_by_the_database():
    entry = LedgerEventFactory()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(seq=entry.seq).update(role="administrator")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(seq=entry.seq)._raw_delete(connection.alias)


def test_checkpoints_are_append_only_too():
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE oversight_ledger_checkpoint SET tree_size = 0 WHERE id = %s", [checkpoint.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM oversight_ledger_checkpoint WHERE id = %s", [checkpoint.pk])
    assert LedgerCheckpoint.objects.filter(pk=checkpoint.pk).exists()


def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused above")
    LedgerEventFactory()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("TRUNCATE oversight_ledger_entry")


def test_flush_leaves_the_ledger_alone():
    """flush (and pytest-django between transactional tests) skips the unmanaged ledger."""
    from django.core.management.color import no_style
    from django.core.management.sql import sql_flush

    statements = " ".join(sql_flush(no_style(), connection))
    assert "oversight_ledger_entry" not in statements
    assert "oversight_ledger_checkpoint" not in statements
