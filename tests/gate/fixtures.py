"""Fixtures for the gate's tests: a live LFR authority, its signed-off watchlist, a scope."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from common.roles import Role
from gate.enrolment import enrol_watchlist_face
from gate.minting import mint_enrolment_scope, mint_scope
from tests.factories import UserFactory, seal, unseal, watchlist_gallery


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", roles=[Role.LFR_OPERATOR])


@pytest.fixture
def equitability_recorded(db):
    """A grouped report for the default model whose minimum (0.600) the authorised 0.640
    clears; the scores are synthetic, the groups arbitrary letters."""
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    report = synthetic_report((0.3, 0.5, 0.6), b_highest=0.55)
    stored = record_equitability_report(report=report, dataset="synthetic scores")
    assert stored.minimum_threshold == Decimal("0.600")
    return stored


@pytest.fixture
def live(authorised, equitability_recorded, monkeypatch):
    """Move the clock inside the authorised window."""
    inside = authorised.valid_from + timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    return authorised


@pytest.fixture
def watchlist(live):
    """The authority's watchlist gallery, bound and sealed (signed off) as the watchlist
    service leaves it."""
    return watchlist_gallery(live)


@pytest.fixture
def scope(live, operator, watchlist):
    return mint_scope(application=live, by=operator, gallery=watchlist)


# Watchlist images from the LFW sample (tests marked `images`).
ENROLLED = {
    "rogge": "Jacques_Rogge/Jacques_Rogge_0001.jpg",
    "armstrong": "Lance_Armstrong/Lance_Armstrong_0005.jpg",
    "garner": "Jennifer_Garner/Jennifer_Garner_0004.jpg",
}


def read(lfw_dir: Path, key: str) -> bytes:
    return (lfw_dir / key).read_bytes()


@pytest.fixture
def enroller(db):
    return UserFactory(username="enroller", roles=[Role.WATCHLIST_OFFICER])


def enrol(lfw_dir, scope, watchlist, enroller, subject_ref: str, key: str):
    return enrol_watchlist_face(
        scope=scope,
        gallery_id=watchlist.pk,
        by=enroller,
        subject_ref=subject_ref,
        image=read(lfw_dir, key),
    )


@pytest.fixture
def enrolment_scope(live, watchlist, enroller):
    # Enrolment needs the list open (unsealed), as while it is composed.
    unseal(watchlist)
    return mint_enrolment_scope(application=live, by=enroller, gallery=watchlist)


@pytest.fixture
def enrolled_watchlist(lfw_dir, watchlist, enroller, enrolment_scope):
    faces = {
        who: enrol(lfw_dir, enrolment_scope, watchlist, enroller, f"PNC-{who}", key)
        for who, key in ENROLLED.items()
    }
    seal(watchlist, until=watchlist_authority_end(watchlist))
    return faces


def watchlist_authority_end(gallery):
    from gate.models import BoundGallery

    return (
        BoundGallery.objects.select_related("authority").get(gallery=gallery).authority.valid_until
    )
