"""The database lost in the middle of an engine call (PostgreSQL: the session's backend
terminated between the frame's admission and its search): the call fails closed (no search
runs without its ledger event), nothing is half-written, and once the database is back the next
frame is searched and alerts as usual."""

import contextlib

import pytest
from django.db import connection
from django.db.utils import Error as DatabaseError

from deployments.models import Alert
from deployments.services.frames import _scope, process_frame
from gate.search import search_frame
from oversight.models import LedgerEntry
from oversight.verification import verify_database
from tests.watchlists import images


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_search_whose_database_goes_away_fails_closed_and_the_next_one_runs(
    running, camera, operator, listed
):
    assert connection.vendor == "postgresql", "terminating a session needs PostgreSQL"
    scope = _scope(running, operator)
    # The ledger is append-only: entries of earlier transactional tests stay, so count from here.
    before = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    def database_goes_away(faces):
        # After admission and detection, before the gate's transaction: this session's
        # server process is terminated, as when the database restarts or the network drops.
        with connection.cursor() as cursor, contextlib.suppress(DatabaseError):
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return range(len(faces))

    with pytest.raises(DatabaseError):
        search_frame(
            scope=scope,
            image=images.astronaut_again(),
            gallery_id=running.watchlist.gallery_id,
            location_id=running.location_id,
            by=operator,
            run_id=running.run_id,
            choose_faces=database_goes_away,
        )
    connection.close()  # the database is back: a new session

    # Fail closed: the admission's events only; no search ran, so no search_run, no match.
    new = LedgerEntry.objects.filter(seq__gt=before)
    assert not new.filter(action__in=["engine.search_run", "engine.candidates_found"]).exists()
    assert not Alert.objects.exists()
    assert verify_database().ok

    outcome = process_frame(
        deployment=running, camera=camera, sequence=1, image=images.astronaut_again(), by=operator
    )
    assert len(outcome.alert_ids) == 1
    assert new.filter(action="engine.search_run").count() == 1
