"""Watchlist work run by Celery. Thin and idempotent: safe to run twice."""

from celery import shared_task

from watchlists.services.imports import run_import


@shared_task(acks_late=True)
def run_watchlist_import(job_id: int) -> dict:
    """Import a queued job's rows; resume one whose worker was lost (imports.STALE_AFTER).
    A job that has run, or is running, is left as it is."""
    job = run_import(job_id)
    return {
        "job_id": job.pk,
        "status": job.status,
        "processed_rows": job.processed_rows,
        "kept_rows": job.kept_rows,
    }
