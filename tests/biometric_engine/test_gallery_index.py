"""A gallery's cached index moves with its rows: a removed face leaves the index at commit,
an enrolled one joins it, and an index at another revision is rebuilt from the database."""

import numpy as np
import pytest
from django.db import transaction

from biometric_engine import indexes, services
from biometric_engine.core.bench import synthetic_vectors
from biometric_engine.engine import default_model_version
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from common.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def officer(db):
    return UserFactory(username="wo", roles=[Role.WATCHLIST_OFFICER])


@pytest.fixture
def gallery(db):
    gallery = Gallery.objects.create(
        name="Custody", kind=GalleryKind.CUSTODY, model_version=default_model_version()
    )
    yield gallery
    indexes.forget(gallery.pk)


def store(gallery, officer, vectors) -> list[EnrolledFace]:
    faces = []
    for n, vector in enumerate(vectors):
        with transaction.atomic():
            locked = Gallery.objects.select_for_update().get(pk=gallery.pk)
            faces.append(
                services.store_template(
                    gallery=locked,
                    by=officer,
                    role=None,
                    subject_ref=f"CUST-{n}",
                    template=vector,
                    quality=1.0,
                )
            )
    return faces


def no_rebuild(gallery_id):
    raise AssertionError("the committed change should be applied to the cache, not rebuilt")


def current(gallery) -> int:
    return Gallery.objects.get(pk=gallery.pk).revision


def test_a_removed_face_leaves_the_cached_index_at_commit(
    gallery, officer, monkeypatch, django_capture_on_commit_callbacks
):
    vectors = synthetic_vectors(3, np.random.default_rng(0))
    faces = store(gallery, officer, vectors)
    before = indexes.index_for(gallery.pk)
    assert len(before) == 3

    monkeypatch.setattr(indexes, "build_gallery_index", no_rebuild)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_face(face=faces[0], by=officer)

    after = indexes.index_for(gallery.pk, revision=current(gallery))
    assert len(after) == 2 and len(before) == 3, "swapped in, the old index untouched"
    assert faces[0].pk not in [hit[0] for hit in after.search(vectors[:1], 3)[0]]
    assert not EnrolledFace.objects.filter(pk=faces[0].pk).exists()


def test_an_enrolled_face_joins_the_cached_index_at_commit(
    gallery, officer, monkeypatch, django_capture_on_commit_callbacks
):
    vectors = synthetic_vectors(3, np.random.default_rng(1))
    store(gallery, officer, vectors[:2])
    indexes.index_for(gallery.pk)
    monkeypatch.setattr(indexes, "build_gallery_index", no_rebuild)
    with django_capture_on_commit_callbacks(execute=True):
        [added] = store(gallery, officer, vectors[2:])
    index = indexes.index_for(gallery.pk, revision=current(gallery))
    assert index.search(vectors[2:], 1)[0][0][0] == added.pk


def test_an_index_at_another_revision_is_rebuilt_from_the_rows(gallery, officer):
    vectors = synthetic_vectors(4, np.random.default_rng(2))
    faces = store(gallery, officer, vectors[:2])
    indexes.index_for(gallery.pk)
    # Another process's change: the rows and revision move, this process's cache does not.
    EnrolledFace.objects.filter(pk=faces[1].pk).delete()
    Gallery.objects.filter(pk=gallery.pk).update(revision=current(gallery) + 1)
    rebuilt = indexes.index_for(gallery.pk)
    assert len(rebuilt) == 1
