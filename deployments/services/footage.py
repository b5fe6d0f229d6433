"""Camera footage kept at most its retention period (DOMAIN: camera footage at most 31 days),
deleted by a scheduled job that attests what it deleted.

A recorded video's file is deleted as soon as its job stops (``services.video``), so footage
normally lives minutes. What this job catches is footage whose job never stopped: queued while
the broker was down for weeks, or held by a worker that never came back. Every video file
stored ``WA_FOOTAGE_RETENTION_DAYS`` ago or more is deleted; its job, if unfinished, is
refused (``footage_retention_expired``: the frames searched before stay counted, the alerts
raised stand) and its lease withdrawn, so a worker still holding it stops at its next chunk.
``deployment.footage_deleted`` on the ledger carries the job, the file's SHA-256 (read from the
file before it was deleted, else the one recorded at upload) and the retention period.

As with alert crops, the file goes first, then the row and the attestation in one transaction:
a job that dies between the two leaves a row whose file is gone, which the next run attests
(``already_missing``). The ledger never says a file was deleted that still exists.
"""

import hashlib
import logging
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from deployments.models import VideoJob, VideoStatus
from deployments.rules import footage_retention_days
from oversight.ledger import record_event

logger = logging.getLogger(__name__)

EXPIRED_CODE = "footage_retention_expired"


def footage_due(now=None):
    """Video jobs still holding a file stored at least the retention period ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=footage_retention_days())
    return VideoJob.objects.exclude(video="").filter(created_at__lte=cutoff)


def delete_expired_footage() -> dict:
    """Delete each due video file, then attest it job by job; the totals."""
    totals = {"deleted": 0, "already_missing": 0, "jobs_stopped": 0}
    for job in footage_due().order_by("pk"):
        try:
            digest, existed = _delete_file(job)
        except OSError:
            logger.exception("Could not delete video job %s's file; the next run tries", job.pk)
            continue
        stopped = _attest(job.pk, digest, existed)
        totals["deleted" if existed else "already_missing"] += 1
        totals["jobs_stopped"] += stopped
    return totals


def _delete_file(job: VideoJob) -> tuple[str, bool]:
    name = job.video.name
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return job.sha256, False
    default_storage.delete(name)
    return digest.hexdigest(), True


@transaction.atomic
def _attest(job_id: int, digest: str, existed: bool) -> bool:
    """The row says its file is gone (and its job stopped, if it had not); the ledger says so
    too. True when the job was stopped here."""
    job = VideoJob.objects.select_for_update().get(pk=job_id)
    stopping = not job.is_finished
    job.video = ""
    fields = ["video"]
    if stopping:
        job.status = VideoStatus.REFUSED
        job.error_code = EXPIRED_CODE
        job.error = (
            f"The video was not processed within {footage_retention_days():g} days of its "
            "upload, the camera footage retention period: it was deleted. The frames searched "
            "before stay counted; upload a copy again if it may still be searched."
        )
        job.finished_at = timezone.now()
        job.lease_until, job.lease_token = None, ""  # a worker still on it stops
        fields += ["status", "error_code", "error", "finished_at", "lease_until", "lease_token"]
    job.save(update_fields=fields)
    record_event(
        actor=None,
        action="deployment.footage_deleted",
        subject=("deployments.deployment", job.deployment_id),
        payload={
            "video_job_id": job.pk,
            "camera_id": job.camera_id,
            "sha256": digest,
            "deleted": existed,
            "already_missing": not existed,
            "retention_days": footage_retention_days(),
            "job_stopped": stopping,
            "frames_processed": job.frames_done,
        },
    )
    return stopping
