"""Alert crops are kept only for their retention period (DOMAIN: deleted immediately after use
or within 24 hours): the hourly job deletes the files, keeps the rows with their scores, and
attests the deletion on the ledger with each file's SHA-256."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from deployments import tasks
from deployments.models import Alert
from oversight.models import LedgerEntry


@pytest.fixture
def now(running):
    return timezone.now()  # frozen inside the window (tests.gate.fixtures ``live``)


def alert(running, camera, entry, *, age: timedelta, score: float, decision: str = ""):
    data = f"jpeg bytes of a crop, {score}".encode()
    path = default_storage.save(f"deployments/alerts/{running.pk}/a.jpg", ContentFile(data))
    created = timezone.now() - age
    return Alert.objects.create(
        deployment=running,
        camera=camera,
        entry=entry,
        score=score,
        probe_time=created,
        frame_sequence=1,
        box=[1, 2, 3, 4],
        crop=path,
        crop_sha256=hashlib.sha256(data).hexdigest(),
        decision=decision,
        status="closed" if decision else "new",
        adjudicated_at=created if decision else None,
        created_at=created,
    ), hashlib.sha256(data).hexdigest()


def test_crops_past_retention_and_of_no_match_alerts_are_deleted_rows_and_scores_kept(
    running, camera, listed, now, settings, monkeypatch
):
    settings.WA_ALERT_IMAGE_RETENTION_HOURS = 24
    old, old_sha = alert(running, camera, listed, age=timedelta(hours=24, minutes=1), score=0.71)
    recent, _ = alert(running, camera, listed, age=timedelta(hours=23), score=0.72)
    no_match, no_match_sha = alert(
        running, camera, listed, age=timedelta(minutes=5), score=0.66, decision="no_match"
    )
    paths = {a.pk: a.crop.name for a in (old, recent, no_match)}

    totals = tasks.delete_alert_images.apply().get()
    assert totals == {"deployments": 1, "deleted": 2, "already_missing": 0}
    for kept in (old, no_match):
        kept.refresh_from_db()
        assert kept.crop.name == "" and kept.crop_deleted_at == now
        assert not default_storage.exists(paths[kept.pk])
    assert (old.score, no_match.score) == (0.71, 0.66)  # a bias study needs the scores
    recent.refresh_from_db()
    assert recent.crop_deleted_at is None and default_storage.exists(paths[recent.pk])
    event = LedgerEntry.objects.get(action="deployment.alert_images_deleted")
    assert event.actor is None
    assert event.data["deleted"] == 2 and event.data["no_match_count"] == 1
    assert event.data["past_retention_count"] == 1
    assert event.data["sha256"] == sorted([old_sha, no_match_sha])
    assert event.data["alert_ids"] == sorted([old.pk, no_match.pk])

    # An hour on, the second crop's retention has run out too; nothing is deleted twice.
    later = now + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.delete_alert_images.apply().get()["deleted"] == 1
    assert LedgerEntry.objects.filter(action="deployment.alert_images_deleted").count() == 2
    assert Alert.objects.filter(crop_deleted_at__isnull=True).count() == 0


def test_a_crop_already_gone_is_marked_deleted_with_the_hash_recorded_at_the_alert(
    running, camera, listed, now
):
    gone, sha = alert(running, camera, listed, age=timedelta(days=2), score=0.7)
    default_storage.delete(gone.crop.name)  # a run that died after deleting the file
    assert tasks.delete_alert_images.apply().get()["already_missing"] == 1
    event = LedgerEntry.objects.get(action="deployment.alert_images_deleted")
    assert (event.data["deleted"], event.data["already_missing"]) == (0, 1)
    assert event.data["sha256"] == [sha]


@pytest.mark.django_db
def test_the_migration_schedules_the_retention_and_requeue_jobs():
    tasks_by_name = dict(PeriodicTask.objects.values_list("task", "interval__period"))
    assert tasks_by_name["deployments.tasks.delete_alert_images"] == "hours"
    assert tasks_by_name["deployments.tasks.requeue_stale_video_jobs"] == "minutes"
