"""Scheduled engine work. Thin and idempotent: safe to run twice."""

from celery import shared_task

from biometric_engine.services import rerun_configured_equitability_report


@shared_task(acks_late=True)
def rerun_equitability_report() -> dict:
    """Every WA_EQUITY_RERUN_HOURS (django-celery-beat): re-measure the configured labelled
    evaluation set and store the report; skipped, and logged, when none is configured."""
    stored = rerun_configured_equitability_report()
    if stored is None:
        return {"stored": False}
    return {"stored": True, "report_id": stored.pk, "model_version": stored.model_version}
