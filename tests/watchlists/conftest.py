"""A live LFR authority (tests.gate.fixtures ``live``: the clock inside its window, a floor
report recorded), its watchlist officer, and a watchlist planned for its whole window."""

import pytest

from common.roles import Role
from tests.factories import UserFactory
from watchlists.services.composition import create_watchlist
from watchlists.services.entries import EntryDetails


@pytest.fixture
def watchlist_officer(db):
    return UserFactory(username="wlo", roles=[Role.WATCHLIST_OFFICER])


@pytest.fixture
def planned(live, watchlist_officer):
    return create_watchlist(
        application=live,
        by=watchlist_officer,
        name="Kestrel deployment 1",
        deployment_start=live.valid_from,
        deployment_end=live.valid_until,
        location=live.locations.first(),
    )


def details(record_id: str = "PNC-1", **overrides) -> EntryDetails:
    fields = {
        "record_id": record_id,
        "source_system": "pnc",
        "category": "wanted_by_courts",
        "reason": "Warrant WR-2026-0142 (failing to appear)",
        "image_source_system": "custody",
        "legal_basis": "PACE 1984 s.64A custody image",
        "most_recent_suitable": True,
        "still_sought_confirmed": True,
        "name": "A Person",
    }
    return EntryDetails(**(fields | overrides))
