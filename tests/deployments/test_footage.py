"""Camera footage kept at most its retention period (DOMAIN: at most 31 days): the hourly job
deletes a video file its job never finished with, stops the job and attests the deletion."""

import hashlib
from datetime import timedelta

from django.core.files.storage import default_storage
from django_celery_beat.models import PeriodicTask

from deployments import tasks
from deployments.models import VideoJob
from deployments.services.video import run_video_job, upload_video
from oversight.models import LedgerEntry
from tests.deployments.videos import astronaut_video


def queued_job(running, camera, operator, tmp_path, *, age_days: float) -> tuple[VideoJob, str]:
    data = astronaut_video(tmp_path / f"v{age_days}.avi", 6)
    job = upload_video(deployment=running, camera=camera, by=operator, data=data)
    VideoJob.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(days=age_days))
    return VideoJob.objects.get(pk=job.pk), hashlib.sha256(data).hexdigest()


def test_footage_past_retention_is_deleted_its_job_stopped_and_attested(
    running, camera, operator, tmp_path, settings
):
    settings.WA_FOOTAGE_RETENTION_DAYS = 31
    old, old_sha = queued_job(running, camera, operator, tmp_path, age_days=31.01)
    recent, _ = queued_job(running, camera, operator, tmp_path, age_days=30)
    old_file = old.video.name

    totals = tasks.delete_expired_footage_task.apply().get()

    assert totals == {"deleted": 1, "already_missing": 0, "jobs_stopped": 1}
    assert not default_storage.exists(old_file)
    assert default_storage.exists(recent.video.name)  # inside its 31 days
    old.refresh_from_db()
    assert (old.status, old.error_code, old.video.name) == (
        "refused",
        "footage_retention_expired",
        "",
    )
    event = LedgerEntry.objects.get(action="deployment.footage_deleted")
    assert event.data["video_job_id"] == old.pk and event.data["sha256"] == old_sha
    assert (event.data["deleted"], event.data["job_stopped"], event.data["retention_days"]) == (
        True,
        True,
        31.0,
    )
    # The stopped job is not processed afterwards, and a second run finds nothing to do.
    assert run_video_job(old.pk).status == "refused"
    assert tasks.delete_expired_footage_task.apply().get()["deleted"] == 0
    assert LedgerEntry.objects.filter(action="deployment.footage_deleted").count() == 1


def test_a_file_already_gone_is_attested_as_missing_with_the_upload_digest(
    running, camera, operator, tmp_path
):
    job, sha = queued_job(running, camera, operator, tmp_path, age_days=40)
    default_storage.delete(job.video.name)  # a run that died after deleting the file
    assert tasks.delete_expired_footage_task.apply().get()["already_missing"] == 1
    event = LedgerEntry.objects.get(action="deployment.footage_deleted")
    assert (event.data["deleted"], event.data["sha256"]) == (False, sha)


def test_the_migration_schedules_the_footage_job_hourly(db):
    task = PeriodicTask.objects.get(task="deployments.tasks.delete_expired_footage_task")
    assert task.enabled and task.interval.period == "hours" and task.interval.every == 1
