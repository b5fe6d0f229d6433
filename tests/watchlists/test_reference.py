"""DOMAIN (RFR and OIFR controls): custody images of people never convicted are not lawfully
held for searching without a recorded review; an overdue review takes an image out of search."""

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from biometric_engine.indexes import index_for
from biometric_engine.models import EnrolledFace, GalleryKind
from common.errors import InvalidInput, NotPermitted, WrongState
from common.roles import Role
from gate.minting import mint_scope
from gate.search import search_probe
from oversight.models import LedgerEntry
from tests.factories import UserFactory
from tests.watchlists import images
from watchlists import deletion_tasks
from watchlists.errors import DuplicateImage, ImageRefused
from watchlists.models import ReferenceImage
from watchlists.services import reference


@pytest.fixture
def administrator(db):
    return UserFactory(username="gallery-admin", roles=[Role.ADMINISTRATOR])


@pytest.fixture
def rfr(applicant, superintendent, commanders, equitability_recorded, monkeypatch):
    """A live RFR authority, the clock inside its window, and its investigator."""
    from authority import services
    from tests.authority.fixtures import draft_application

    application = draft_application(
        applicant,
        superintendent,
        commanders,
        mode="rfr",
        operation_name="Operation Curlew",
        requested_categories=[],
        max_watchlist_size=None,
    )
    services.set_locations(application=application, by=applicant, locations=[])
    services.submit_application(application=application, by=applicant)
    services.authorise_application(
        application=application,
        by=superintendent,
        reasons="Serious assault; custody search justified.",
    )
    application.refresh_from_db()
    inside = application.valid_from + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    return application, UserFactory(username="dc", roles=[Role.INVESTIGATOR])


@pytest.fixture
def custody(rfr, administrator):
    return reference.create_reference_gallery(
        name="Custody images (test)", kind=GalleryKind.CUSTODY, by=administrator
    )


def add(custody, administrator, image, *, never_convicted, record_id="CUST-1", days=30):
    return reference.add_reference_image(
        gallery=custody,
        by=administrator,
        record_id=record_id,
        source_system="custody",
        image=image,
        never_convicted=never_convicted,
        retention_review_due=timezone.localdate() + timedelta(days=days),
    )


def probe(rfr, custody, image=images.astronaut_again):
    application, investigator = rfr
    scope = mint_scope(application=application, by=investigator, gallery=custody.gallery)
    result = search_probe(
        scope=scope, image=image(), gallery_id=custody.gallery_id, by=investigator
    )
    return [c.id for c in result.candidates]


def events(action, image):
    return [
        json.loads(e.payload)
        for e in LedgerEntry.objects.filter(
            action=action, object_type="watchlists.referenceimage", object_id=str(image.pk)
        )
    ]


def test_a_convicted_persons_image_is_searchable_at_once_and_its_file_not_kept(
    rfr, custody, administrator
):
    held = add(custody, administrator, images.astronaut(), never_convicted=False)
    assert held.enrolled_face_id and not held.image
    assert held.enrolled_face.subject_ref == "CUST-1"
    assert probe(rfr, custody) == [held.enrolled_face_id]
    assert events("reference.image_added", held)[0]["searchable"] is True


def test_an_unreviewed_never_convicted_image_cannot_be_found(
    rfr, custody, administrator, django_capture_on_commit_callbacks
):
    held = add(custody, administrator, images.astronaut(), never_convicted=True)
    assert held.enrolled_face_id is None and default_storage.exists(held.image.name)
    assert not EnrolledFace.objects.filter(gallery=custody.gallery).exists()
    assert len(index_for(custody.gallery_id)) == 0
    assert probe(rfr, custody) == []
    assert events("reference.image_added", held)[0]["searchable"] is False

    # A review to retain enrols it (and drops the held file); now a search finds it.
    path = held.image.name
    with django_capture_on_commit_callbacks(execute=True):
        reviewed = reference.record_retention_review(
            image=held, by=administrator, outcome="retain", note="Charged; retention approved."
        )
    assert reviewed.enrolled_face_id and reviewed.reviewed_by == administrator
    assert not reviewed.image and not default_storage.exists(path)
    assert probe(rfr, custody) == [reviewed.enrolled_face_id]
    assert events("reference.review_recorded", held)[0]["outcome"] == "retain"


def test_a_review_to_delete_removes_it(rfr, custody, administrator):
    held = add(custody, administrator, images.astronaut(), never_convicted=False)
    assert probe(rfr, custody) == [held.enrolled_face_id]
    removed = reference.record_retention_review(
        image=held, by=administrator, outcome="delete", note="No further action; not retained."
    )
    assert removed.removed_at and removed.removal_reason == reference.REVIEWED_DELETE
    assert not EnrolledFace.objects.filter(gallery=custody.gallery).exists()
    assert probe(rfr, custody) == []
    payload = events("reference.image_removed", held)[0]
    assert payload["templates_deleted"] == 1 and payload["reason"] == reference.REVIEWED_DELETE
    with pytest.raises(WrongState):
        reference.record_retention_review(
            image=removed, by=administrator, outcome="retain", note="Changed my mind."
        )


def test_a_held_never_convicted_image_deleted_on_review_leaves_no_file(
    rfr, custody, administrator, django_capture_on_commit_callbacks
):
    held = add(custody, administrator, images.tom_hanks(), never_convicted=True)
    path = held.image.name
    with django_capture_on_commit_callbacks(execute=True):
        reference.record_retention_review(
            image=held, by=administrator, outcome="delete", note="Never convicted: delete."
        )
    assert not default_storage.exists(path)


def test_an_overdue_review_takes_the_image_out_of_search(
    rfr, custody, administrator, monkeypatch, django_capture_on_commit_callbacks
):
    overdue = add(custody, administrator, images.astronaut(), never_convicted=False, days=1)
    held = add(
        custody, administrator, images.tom_hanks(), never_convicted=True, record_id="CUST-2", days=1
    )
    kept = add(
        custody, administrator, images.astronaut_again(), never_convicted=False, record_id="CUST-3"
    )
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        result = deletion_tasks.remove_overdue_reference_images.apply().get()
    assert result == {"removed": sorted([overdue.pk, held.pk]), "failed": []}
    overdue.refresh_from_db()
    assert overdue.removed_at == later and overdue.enrolled_face_id is None
    assert not default_storage.exists(held.image.name)
    assert list(EnrolledFace.objects.filter(gallery=custody.gallery)) == [kept.enrolled_face]
    assert events("reference.image_removed", overdue)[0]["reason"] == reference.OVERDUE
    # Safe to run twice.
    assert deletion_tasks.remove_overdue_reference_images.apply().get() == {
        "removed": [],
        "failed": [],
    }


def test_a_review_to_retain_with_a_next_date_is_due_again_then(rfr, custody, administrator):
    held = add(custody, administrator, images.astronaut(), never_convicted=False, days=1)
    next_due = timezone.localdate() + timedelta(days=10)
    reference.record_retention_review(
        image=held, by=administrator, outcome="retain", note="Retain.", next_review_due=next_due
    )
    assert not reference.overdue_reference_images(timezone.localdate() + timedelta(days=5)).exists()
    assert reference.overdue_reference_images(next_due + timedelta(days=1)).get() == held


def test_only_an_administrator_manages_reference_galleries(rfr, custody, administrator):
    _, investigator = rfr
    oversight = UserFactory(username="hmicfrs", roles=[Role.OVERSIGHT])
    for who in (investigator, oversight):
        with pytest.raises(NotPermitted):
            add(custody, who, images.astronaut(), never_convicted=False)
        with pytest.raises(NotPermitted):
            reference.create_reference_gallery(name="Mine", kind="custody", by=who)
    held = add(custody, administrator, images.astronaut(), never_convicted=True)
    with pytest.raises(NotPermitted):
        reference.record_retention_review(
            image=held, by=investigator, outcome="retain", note="Looks fine."
        )
    assert ReferenceImage.objects.count() == 1


def test_what_a_reference_image_must_be(rfr, custody, administrator):
    with pytest.raises(ImageRefused):
        add(custody, administrator, images.not_a_face(), never_convicted=True)
    with pytest.raises(ImageRefused):
        add(custody, administrator, images.group_photo(), never_convicted=False)
    with pytest.raises(InvalidInput):
        add(custody, administrator, images.astronaut(), never_convicted=False, days=-1)
    with pytest.raises(InvalidInput):
        reference.create_reference_gallery(name="Watch", kind="watchlist", by=administrator)
    add(custody, administrator, images.astronaut(), never_convicted=False)
    with pytest.raises(DuplicateImage):
        add(custody, administrator, images.astronaut(), never_convicted=True, record_id="CUST-9")
    assert ReferenceImage.objects.count() == 1
