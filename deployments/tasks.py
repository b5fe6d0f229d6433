"""Deployment work run by Celery. Thin and idempotent: safe to run twice (acks_late)."""

from celery import shared_task

from deployments.services.footage import delete_expired_footage
from deployments.services.retention import delete_expired_alert_images
from deployments.services.video import requeue_video_jobs, run_video_job


@shared_task(acks_late=True)
def run_video_job_task(job_id: int) -> dict:
    """Process a video job from its resume point (a finished job, or one another worker holds,
    is left as it is)."""
    job = run_video_job(job_id)
    return {
        "job_id": job.pk,
        "status": job.status,
        "frames_done": job.frames_done,
        "faces_processed": job.faces_processed,
        "alerts": job.alerts_raised,
        "error_code": job.error_code,
    }


@shared_task(acks_late=True)
def requeue_stale_video_jobs() -> int:
    """Beat, every minute: enqueue again the jobs a down broker or a dead worker left behind."""
    return requeue_video_jobs()


@shared_task(acks_late=True)
def delete_alert_images() -> dict:
    """Beat, hourly: delete the alert crops past their retention, with an attestation."""
    return delete_expired_alert_images()


@shared_task(acks_late=True)
def delete_expired_footage_task() -> dict:
    """Beat, hourly: delete video files past the camera footage retention, with attestation."""
    return delete_expired_footage()
