"""A run's entries found through the ledger's run index, not by reading the whole ledger."""

import pytest
from django.db import connection, transaction

from oversight.ledger import record_event
from oversight.selectors import ledger_head_seq, run_events

pytestmark = pytest.mark.django_db


def event(run_id: str, action: str = "engine.search_run", **payload):
    with transaction.atomic():
        return record_event(
            actor=None,
            action=action,
            subject=("authority.application", 1),
            payload={"run_id": run_id, **payload},
        )


def test_run_events_are_the_runs_only_oldest_first_and_after_a_position():
    first = event("run-a")
    event("run-b")
    event("run-a", action="alert.raised")
    event("run-ab")  # a run id that the other's text contains
    third = event("run-a")
    actions = ("engine.search_run", "alert.raised")
    found = list(run_events("run-a", actions=actions))
    assert [e.action for e in found] == ["engine.search_run", "alert.raised", "engine.search_run"]
    assert [e.seq for e in run_events("run-a", actions=actions, after_seq=first.seq)] == [
        found[1].seq,
        third.seq,
    ]
    assert list(run_events("run-a", actions=("alert.raised",), upto_seq=first.seq)) == []
    assert ledger_head_seq() == third.seq


def test_the_query_is_answered_from_the_run_index():
    event("run-a")
    sql, params = run_events("run-a", actions=("engine.search_run",)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "oversight_ledger_run_idx" in plan
