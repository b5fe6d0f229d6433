"""DOMAIN (Watchlists): after the deployment, its watchlist's images and templates are deleted.
A deployment that ends before its planned end (completed early or halted) makes the data due
the deletion delay after it actually ended, not after the planned end; the scheduled job then
deletes it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deployments.services.lifecycle import complete_deployment, halt_deployment
from oversight.models import LedgerEntry
from watchlists.models import WatchlistStatus
from watchlists.rules import deletion_delay
from watchlists.services.deletion import (
    delete_due_watchlist_data,
    deletion_due_at,
    due_watchlists,
    record_deployment_ended,
)

pytestmark = pytest.mark.django_db


def test_a_halted_deployments_watchlist_falls_due_the_delay_after_the_halt(
    running, silver, monkeypatch
):
    watchlist = running.watchlist
    planned_due = watchlist.deployment_end + deletion_delay()
    halted = halt_deployment(deployment=running, by=silver, reason="Crowd surge at the gate.")
    watchlist.refresh_from_db()
    assert watchlist.deployment_ended_at == halted.ended_at
    due = deletion_due_at(watchlist)
    assert due == halted.ended_at + deletion_delay() < planned_due
    event = LedgerEntry.objects.get(action="watchlist.deployment_ended")
    assert event.object_id == str(watchlist.pk)

    # Not before the delay has passed; at it, the hourly job deletes the data.
    assert watchlist not in due_watchlists(due - timedelta(seconds=1))
    delete_due_watchlist_data(now=due - timedelta(seconds=1))
    watchlist.refresh_from_db()
    assert watchlist.status != WatchlistStatus.DATA_DELETED
    monkeypatch.setattr(timezone, "now", lambda: due)
    assert watchlist in due_watchlists(due)
    delete_due_watchlist_data(now=due)
    watchlist.refresh_from_db()
    assert watchlist.status == WatchlistStatus.DATA_DELETED
    deleted = LedgerEntry.objects.get(action="watchlist.data_deleted")
    assert deleted.data["rule"] == "deployment_ended"


def test_a_deployment_completed_early_brings_the_deletion_forward(running, silver):
    done = complete_deployment(deployment=running, by=silver)
    watchlist = done.watchlist
    watchlist.refresh_from_db()
    assert deletion_due_at(watchlist) == done.ended_at + deletion_delay()


def test_an_end_after_the_planned_end_changes_nothing(running, silver):
    watchlist = running.watchlist
    late = watchlist.deployment_end + timedelta(minutes=5)
    record_deployment_ended(watchlist=watchlist, ended_at=late, by=silver)
    watchlist.refresh_from_db()
    assert watchlist.deployment_ended_at is None
    assert deletion_due_at(watchlist) == watchlist.deployment_end + deletion_delay()
    assert not LedgerEntry.objects.filter(action="watchlist.deployment_ended").exists()
