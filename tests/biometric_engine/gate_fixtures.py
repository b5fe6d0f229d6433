"""Fixtures for the gate's tests: a live LFR authority, its signed-off watchlist, a scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from authority.scopes import mint_scope
from biometric_engine.engine import default_model_version
from biometric_engine.models import Gallery, GalleryKind
from common.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", roles=[Role.LFR_OPERATOR])


@pytest.fixture
def live(authorised, monkeypatch):
    """Move the clock inside the authorised window."""
    inside = authorised.valid_from + timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    return authorised


@pytest.fixture
def watchlist(live, superintendent):
    composed = live.valid_from - timedelta(hours=2)
    return Gallery.objects.create(
        name="Kestrel watchlist",
        kind=GalleryKind.WATCHLIST,
        model_version=default_model_version(),
        authority=live,
        deployment_start=live.valid_from,
        composed_at=composed,
        signed_off_at=composed + timedelta(minutes=30),
        signed_off_by=superintendent,
    )


@pytest.fixture
def scope(live, operator, watchlist):
    return mint_scope(application=live, by=operator, gallery=watchlist)
