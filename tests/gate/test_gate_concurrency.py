"""A halt racing a search on PostgreSQL: the search in flight finishes under its share lock,
the halt waits for it, and the next call sees the halt."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from authority import services
from gate.checks import EngineRefused, check_scope
from gate.selectors import gate_state


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_halt_waits_for_the_call_in_flight_and_stops_the_next(
    scope, live, watchlist, operator, commanders
):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL"
    silver = commanders["silver_commander"]
    halted = threading.Event()

    def halt() -> None:
        try:
            services.halt_authority(application=live, by=silver, reasons="Crowd surge.")
            halted.set()
        finally:
            connection.close()

    with transaction.atomic():
        # The gate's locked re-check: the call is in flight until this transaction ends.
        assert gate_state(
            authority_id=live.pk,
            gallery_id=watchlist.pk,
            model_version=scope.model_version,
            holder_id=operator.pk,
            role=scope.role,
            lock=True,
        )
        halting = threading.Thread(target=halt)
        halting.start()
        assert not halted.wait(timeout=1.0), "the halt must wait for the call in flight"
    halting.join(timeout=30)
    assert halted.is_set()

    with pytest.raises(EngineRefused, match="halted"):
        check_scope(
            scope,
            mode="lfr",
            gallery_id=watchlist.pk,
            location_id=scope.location_ids[0],
            threshold=None,
            now=timezone.now(),
            holder_id=operator.pk,
        )
