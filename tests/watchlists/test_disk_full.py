"""A full disk (a real tmpfs filled to the last byte): an entry whose image cannot be stored
is refused whole, with no entry, no template and no part of a file left."""

import pytest

from biometric_engine.models import EnrolledFace
from common.errors import DomainError
from oversight.models import LedgerEntry
from tests.watchlists.test_composition import add
from watchlists.models import WatchlistEntry


def test_an_entry_whose_image_cannot_be_stored_is_refused_with_nothing_kept(
    planned, watchlist_officer, full_disk
):
    with pytest.raises(DomainError) as refused:
        add(planned, watchlist_officer, "PNC-1")
    assert refused.value.code == "storage_full"
    assert not WatchlistEntry.objects.exists() and not EnrolledFace.objects.exists()
    assert [p for p in (full_disk / "media").rglob("*") if p.is_file()] == []
    assert not LedgerEntry.objects.filter(action="watchlist.entry_added").exists()
