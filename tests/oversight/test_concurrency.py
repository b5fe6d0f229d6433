"""Concurrent appends on PostgreSQL stay gapless and chained (the advisory lock serialises
them; the primary key on seq would refuse a duplicate anyway)."""

import threading

import pytest
from django.db import connection, transaction

from oversight.ledger import ledger_head, record_event
from oversight.models import LedgerEntry
from oversight.verification import verify_database

THREADS = 8
PER_THREAD = 15


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_stay_gapless_and_chained():
    assert connection.vendor == "postgresql", "integration runs on PostgreSQL"
    before, head_hash = ledger_head()
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(PER_THREAD):
                with transaction.atomic():
                    record_event(
                        actor=None,
                        action="application.submitted",
                        subject=("authority.application", worker * 1000 + n),
                        payload={"worker": worker, "n": n},
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    entries = list(LedgerEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.seq for e in entries] == list(range(before + 1, before + 1 + THREADS * PER_THREAD))
    previous = head_hash
    for entry in entries:
        assert entry.prev_hash == previous
        previous = entry.entry_hash
    workers = {entry.data["worker"] for entry in entries}
    assert workers == set(range(THREADS))
    assert verify_database().ok
