"""RFR and OIFR fixtures: live authorities of each mode (the clock inside both windows), the
custody and missing-person galleries with package images enrolled, and the officers."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from authority import services as authority_services
from authority.models import Rank
from biometric_engine.models import GalleryKind
from common.roles import Role
from deployments.models import ImageProvenance, Offence
from deployments.services import searches
from tests.authority.fixtures import draft_application
from tests.factories import UserFactory
from tests.watchlists import images
from watchlists.services import reference


def _window():
    """One window for every authority in a test, two days from the real clock, on the hour."""
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return {"start_at": start, "end_at": start + timedelta(hours=4)}


def _authorised(applicant, decider, commanders, mode, name):
    application = draft_application(
        applicant,
        decider,
        commanders,
        mode=mode,
        operation_name=name,
        requested_categories=[],
        max_watchlist_size=None,
        **_window(),
    )
    authority_services.set_locations(application=application, by=applicant, locations=[])
    authority_services.submit_application(application=application, by=applicant)
    authority_services.authorise_application(
        application=application, by=decider, reasons="Serious crime; custody search justified."
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def rfr_authority(applicant, superintendent, commanders, equitability_recorded, monkeypatch):
    application = _authorised(applicant, superintendent, commanders, "rfr", "Operation Curlew")
    inside = application.valid_from + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    return application


@pytest.fixture
def oifr_authority(applicant, superintendent, commanders, equitability_recorded, monkeypatch):
    application = _authorised(applicant, superintendent, commanders, "oifr", "Operation Wren")
    inside = application.valid_from + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    return application


@pytest.fixture
def investigator(db):
    return UserFactory(username="dc", rank=Rank.CONSTABLE, roles=[Role.INVESTIGATOR])


@pytest.fixture
def examiner(db):
    """A second investigator, trained to review candidates (the role holds the permission)."""
    return UserFactory(username="examiner", rank=Rank.SERGEANT, roles=[Role.INVESTIGATOR])


@pytest.fixture
def approver(inspector):
    """An authorising officer of Inspector rank: the default minimum."""
    return inspector


@pytest.fixture
def gallery_admin(db):
    return UserFactory(username="gallery-admin", roles=[Role.ADMINISTRATOR])


SOURCES = {GalleryKind.CUSTODY: "custody", GalleryKind.MISSING_PERSONS: "missing_persons"}


def add_image(gallery, admin, image: bytes, *, record_id: str, never_convicted=False):
    return reference.add_reference_image(
        gallery=gallery,
        by=admin,
        record_id=record_id,
        source_system="custody"
        if gallery.gallery.kind == GalleryKind.CUSTODY
        else "missing_persons",
        image=image,
        never_convicted=never_convicted,
        retention_review_due=timezone.localdate() + timedelta(days=30),
    )


@pytest.fixture
def custody(gallery_admin, equitability_recorded):
    return reference.create_reference_gallery(
        name="Custody images (test)", kind=GalleryKind.CUSTODY, by=gallery_admin
    )


@pytest.fixture
def missing(gallery_admin, equitability_recorded):
    return reference.create_reference_gallery(
        name="Missing persons (test)", kind=GalleryKind.MISSING_PERSONS, by=gallery_admin
    )


@pytest.fixture
def astronaut_in_custody(custody, gallery_admin):
    """The astronaut, convicted: searchable at once."""
    return add_image(custody, gallery_admin, images.astronaut(), record_id="CUST-1")


def astronaut_variant(size: int = 400, quality: int = 85) -> bytes:
    """The astronaut re-encoded at another size: the same face, other bytes."""
    image = Image.open(io.BytesIO(images.astronaut())).convert("RGB").resize((size, size))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


CASE = {
    "crime_reference": "CR-01/2026/123456",
    "offence": Offence.ROBBERY,
    "image_provenance": ImageProvenance.CCTV_PRIVATE,
    "provenance_detail": "Shop CCTV, seized by PC 123 on 1 Dec 2026 under a production order.",
    "lawful_basis": "DPA 2018 s.35, strictly necessary for the prevention and detection of crime.",
    "necessity": "No other line of enquiry has identified the suspect after three weeks.",
    "proportionality": "One still, one custody search, leads reviewed before any action.",
}


def draft(authority, investigator, **overrides):
    return searches.create_search(authority=authority, by=investigator, **{**CASE, **overrides})


def approved(authority, investigator, approver):
    search = draft(authority, investigator)
    searches.submit_search(search=search, by=investigator)
    return searches.approve_search(search=search, by=approver, reasons="Necessary; proportionate.")
