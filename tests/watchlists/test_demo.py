"""The demo on a fresh machine: package sample images only, a signed-off list an admitted
search matches (README: "Demo images")."""

import io

import pytest
from django.core.management import call_command

from oversight.models import LedgerEntry
from watchlists.demo import WATCHLIST, demo_search, group_crops, sample_images
from watchlists.models import Watchlist, WatchlistStatus


def test_the_demo_images_come_from_installed_packages():
    paths = sample_images()
    assert all(path.is_file() and "site-packages" in str(path) for path in paths.values())
    assert len(group_crops(paths["t1"].read_bytes())) == 6


@pytest.mark.django_db
def test_seed_demo_ends_with_a_signed_off_watchlist_an_admitted_search_matches(settings):
    settings.WA_EQUITY_FPIR_TOLERANCE = 0.03  # the demo's rule (config/settings/local.py)
    out = io.StringIO()
    call_command("seed_demo", password="demo-pass-for-tests", stdout=out)
    watchlist = Watchlist.objects.get(name=WATCHLIST)
    assert watchlist.status == WatchlistStatus.SIGNED_OFF
    # Eight sample faces; one of the group photo's is under the quality minimum (0.20 < 0.40).
    assert watchlist.entries.count() == 7
    assert "image 5 refused (face_quality_too_low)" in out.getvalue()
    assert "alerted on 5 faces" in out.getvalue()
    assert LedgerEntry.objects.filter(action="engine.candidates_found").exists()
    # Idempotent: a second run composes nothing new and searches again.
    call_command("seed_demo", password="demo-pass-for-tests", stdout=io.StringIO())
    assert Watchlist.objects.filter(name=WATCHLIST).count() == 1
    from django.contrib.auth import get_user_model

    assert demo_search(watchlist, get_user_model().objects.get(username="operator")) == 5
