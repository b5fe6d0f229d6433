"""The move of watchlists out of the engine keeps every list: watchlists 0002 copies each
engine gallery's composition into the watchlists app, binds it in the gate and seals the
signed-off ones, before the engine drops those fields."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("biometric_engine", "0005_gallery_seal"),
    ("gate", "0001_initial"),
    ("watchlists", "0001_initial"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def regrant() -> None:
    """Tables the migrations dropped and made again need the application role's grants again
    (PostgreSQL with separated roles, as .ci/run runs the suite)."""
    from tests.conftest import APP_CREDENTIALS

    if APP_CREDENTIALS:
        from oversight.dbroles import grant_app_role

        grant_app_role(role=APP_CREDENTIALS["USER"], password=APP_CREDENTIALS["PASSWORD"] or None)


@pytest.mark.django_db(transaction=True)
def test_an_engine_watchlist_becomes_a_watchlist_bound_sealed_and_listed(
    authorised, as_ledger_owner
):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE)
    try:
        Gallery = old.get_model("biometric_engine", "Gallery")
        EnrolledFace = old.get_model("biometric_engine", "EnrolledFace")
        signed = timezone.now()
        gallery = Gallery.objects.create(
            name="Old list",
            kind="watchlist",
            model_version="m/1",
            authority_id=authorised.pk,
            deployment_start=authorised.valid_from,
            composed_at=authorised.valid_from - timedelta(hours=2),
            signed_off_at=signed,
            signed_off_by_id=authorised.submitted_to_id,
            revision=1,
        )
        EnrolledFace.objects.create(
            gallery=gallery, subject_ref="PNC-OLD", template=b"", quality=0.9
        )
        custody = Gallery.objects.create(name="Custody", kind="custody", model_version="m/1")
    finally:
        new = migrate(latest)
        regrant()
    Watchlist = new.get_model("watchlists", "Watchlist")
    watchlist = Watchlist.objects.get(gallery_id=gallery.pk)
    assert watchlist.authority_id == authorised.pk and watchlist.status == "signed_off"
    entry = watchlist.entries.get()
    assert entry.record_id == "PNC-OLD" and entry.enrolled_face_id is not None
    assert watchlist.versions.get().signed_off_at == signed
    assert new.get_model("gate", "BoundGallery").objects.get(
        gallery_id=gallery.pk
    ).authority_id == (authorised.pk)
    sealed = new.get_model("biometric_engine", "Gallery").objects.get(pk=gallery.pk)
    assert (sealed.sealed_at, sealed.sealed_revision) == (signed, 1)
    assert new.get_model("watchlists", "ReferenceGallery").objects.filter(gallery_id=custody.pk)
