"""DOMAIN (Watchlists, Retention): after the deployment, images and templates are deleted and
only the record ids (with categories and composition times) are kept; the deletion is a
configured period enforced by a scheduled job, and attested."""

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from authority import services as authority_services
from biometric_engine.indexes import index_for
from biometric_engine.models import EnrolledFace
from gate.checks import EngineRefused
from gate.minting import mint_scope
from gate.search import search_frame
from oversight.models import LedgerEntry
from tests.watchlists import images
from tests.watchlists.conftest import details
from watchlists import deletion_tasks
from watchlists.errors import WatchlistDataDeleted
from watchlists.models import WatchlistEntry, WatchlistStatus
from watchlists.rules import deletion_delay
from watchlists.services import deletion
from watchlists.services.composition import add_entry, create_watchlist, remove_entry
from watchlists.services.sign_off import sign_off_watchlist


def move_clock(monkeypatch, when):
    monkeypatch.setattr(timezone, "now", lambda: when)


def compose(live, watchlist_officer, superintendent, *, name="Kestrel short deployment"):
    """A two-hour deployment inside the four-hour authority, two people on it (a third added
    and removed), signed off."""
    watchlist = create_watchlist(
        application=live,
        by=watchlist_officer,
        name=name,
        deployment_start=live.valid_from,
        deployment_end=live.valid_from + timedelta(hours=2),
        location=live.locations.first(),
    )
    for record_id, image in (("PNC-ASTRO", images.astronaut), ("PNC-HANKS", images.tom_hanks)):
        add_entry(
            watchlist=watchlist,
            by=watchlist_officer,
            details=details(record_id, date_of_birth=timezone.now().date().replace(year=1970)),
            image=image(),
            image_name=f"{record_id}.png",
        )
    return watchlist


@pytest.fixture
def signed_off(live, watchlist_officer, superintendent):
    watchlist = compose(live, watchlist_officer, superintendent)
    sign_off_watchlist(watchlist=watchlist, by=superintendent)
    watchlist.refresh_from_db()
    return watchlist


def image_paths(watchlist):
    return [e.image.name for e in WatchlistEntry.objects.filter(watchlist=watchlist) if e.image]


def deletions(watchlist):
    return LedgerEntry.objects.filter(
        action="watchlist.data_deleted",
        object_type="watchlists.watchlist",
        object_id=str(watchlist.pk),
    )


def run_job():
    return deletion_tasks.delete_due_watchlist_data.apply().get()


def test_not_due_before_the_deployment_end_plus_the_delay(signed_off, monkeypatch):
    move_clock(monkeypatch, signed_off.deployment_end + deletion_delay() - timedelta(minutes=1))
    assert run_job() == {"deleted": [], "failed": []}
    with pytest.raises(deletion.WatchlistDataNotDue):
        deletion.delete_watchlist_data(watchlist=signed_off)
    paths = image_paths(signed_off)
    assert len(paths) == 2 and all(default_storage.exists(p) for p in paths)
    assert EnrolledFace.objects.filter(gallery=signed_off.gallery).count() == 2
    assert not deletions(signed_off).exists()


def test_due_after_the_delay_deletes_images_templates_and_restricted_details(
    signed_off, monkeypatch, operator, live, django_capture_on_commit_callbacks
):
    paths = image_paths(signed_off)
    hashes = sorted(WatchlistEntry.objects.values_list("image_sha256", flat=True))
    assert len(paths) == 2 and all(default_storage.exists(p) for p in paths)
    assert len(index_for(signed_off.gallery_id)) == 2
    due = signed_off.deployment_end + deletion_delay()
    move_clock(monkeypatch, due)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job() == {"deleted": [signed_off.pk], "failed": []}

    # No image file, no template, nothing in the index.
    assert not any(default_storage.exists(p) for p in paths)
    assert not EnrolledFace.objects.filter(gallery=signed_off.gallery).exists()
    assert len(index_for(signed_off.gallery_id)) == 0
    # The list is kept as record ids, categories and composition times only.
    signed_off.refresh_from_db()
    assert signed_off.status == WatchlistStatus.DATA_DELETED and signed_off.data_deleted_at == due
    for entry in WatchlistEntry.objects.filter(watchlist=signed_off):
        assert entry.record_id in {"PNC-ASTRO", "PNC-HANKS"}
        assert entry.category == "wanted_by_courts" and entry.created_at and entry.image_sha256
        assert (entry.name, entry.date_of_birth, entry.reason, entry.quality) == (
            "",
            None,
            "",
            None,
        )
        assert not entry.image and entry.enrolled_face_id is None
        assert entry.data_deleted_at == due
    # Attested, with counts that match what was there.
    event = deletions(signed_off).get()
    payload = json.loads(event.payload)
    assert event.actor_id is None
    assert payload["rule"] == deletion.DEPLOYMENT_ENDED
    assert payload["delay_hours"] == deletion_delay().total_seconds() / 3600
    assert payload["entries_count"] == 2
    assert payload["templates_deleted"] == 2 and len(payload["templates_sha256"]) == 64
    assert payload["image_files_deleted"] == 2 and payload["image_files_missing_count"] == 0
    lines = sorted(
        f"{pk}\x1f{sha}\x1e"
        for pk, sha in WatchlistEntry.objects.values_list("pk", "image_sha256")
        if sha in hashes
    )
    import hashlib

    assert payload["image_files_sha256"] == hashlib.sha256("".join(lines).encode()).hexdigest()
    # The authority is still live and inside its window, yet the gate refuses the list.
    scope = mint_scope(application=live, by=operator, gallery=signed_off.gallery)
    with pytest.raises(EngineRefused) as refused:
        search_frame(
            scope=scope,
            image=images.astronaut_again(),
            gallery_id=signed_off.gallery_id,
            location_id=signed_off.location_id,
            by=operator,
            run_id="after-deletion",
        )
    assert refused.value.code == "watchlist_not_signed_off"
    # Running the job again does nothing.
    head = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job() == {"deleted": [], "failed": []}
    assert deletions(signed_off).count() == 1
    assert not LedgerEntry.objects.filter(seq__gt=head, action="watchlist.data_deleted").exists()
    with pytest.raises(WatchlistDataDeleted):
        deletion.delete_watchlist_data(watchlist=signed_off)


def test_due_at_once_when_the_authority_is_cancelled(
    signed_off, superintendent, live, django_capture_on_commit_callbacks
):
    paths = image_paths(signed_off)
    authority_services.cancel_authority(
        application=live,
        by=superintendent,
        reasons="The sought persons were arrested.",
        report="Cancelled before the deployment ended; nothing further to run.",
    )
    assert timezone.now() < signed_off.deployment_end  # still inside the deployment
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job()["deleted"] == [signed_off.pk]
    assert not any(default_storage.exists(p) for p in paths)
    payload = json.loads(deletions(signed_off).get().payload)
    assert payload["rule"] == deletion.AUTHORITY_ENDED
    assert payload["authority_status"] == "cancelled"


def test_a_list_never_signed_off_and_its_removed_entries_are_deleted_too(
    live, watchlist_officer, superintendent, monkeypatch, django_capture_on_commit_callbacks
):
    watchlist = compose(live, watchlist_officer, superintendent)
    entry = WatchlistEntry.objects.get(watchlist=watchlist, record_id="PNC-HANKS")
    with django_capture_on_commit_callbacks(execute=True):
        remove_entry(entry=entry, by=watchlist_officer, reason="No longer sought")
    move_clock(monkeypatch, watchlist.deployment_end + deletion_delay())
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job()["deleted"] == [watchlist.pk]
    entry.refresh_from_db()
    assert entry.removed_in == 1 and entry.removal_reason == "No longer sought"
    assert entry.name == "" and entry.data_deleted_at is not None
    payload = json.loads(deletions(watchlist).get().payload)
    assert (payload["entries_count"], payload["templates_deleted"]) == (2, 1)
    assert payload["image_files_deleted"] == 1


def test_one_failure_does_not_stop_the_others(
    signed_off, live, watchlist_officer, superintendent, monkeypatch
):
    other = compose(live, watchlist_officer, superintendent, name="Kestrel second list")
    real = deletion.erase_templates

    def failing(*, gallery, enrolment_ids=None):
        if gallery.pk == signed_off.gallery_id:
            raise RuntimeError("disk on fire")
        return real(gallery=gallery, enrolment_ids=enrolment_ids)

    monkeypatch.setattr(deletion, "erase_templates", failing)
    move_clock(monkeypatch, signed_off.deployment_end + deletion_delay())
    assert run_job() == {"deleted": [other.pk], "failed": [signed_off.pk]}
    signed_off.refresh_from_db()
    assert signed_off.status == WatchlistStatus.SIGNED_OFF  # rolled back whole, tried next hour
    assert EnrolledFace.objects.filter(gallery=signed_off.gallery).count() == 2
    monkeypatch.setattr(deletion, "erase_templates", real)
    assert run_job() == {"deleted": [signed_off.pk], "failed": []}


def test_a_person_may_delete_only_as_a_watchlist_officer(signed_off, operator, monkeypatch):
    from common.errors import NotPermitted

    move_clock(monkeypatch, signed_off.deployment_end + deletion_delay())
    with pytest.raises(NotPermitted):
        deletion.delete_watchlist_data(watchlist=signed_off, by=operator)


def test_the_hourly_schedule_is_installed_for_both_jobs(db):
    from django_celery_beat.models import PeriodicTask

    tasks = {
        t.task: t
        for t in PeriodicTask.objects.filter(task__startswith="watchlists.deletion_tasks.")
    }
    assert set(tasks) == {
        deletion_tasks.delete_due_watchlist_data.name,
        deletion_tasks.remove_overdue_reference_images.name,
    }
    assert all(
        t.enabled and (t.interval.every, t.interval.period) == (1, "hours") for t in tasks.values()
    )
