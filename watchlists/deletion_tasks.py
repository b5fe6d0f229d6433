"""Scheduled retention jobs for watchlists and reference galleries (hourly, django-celery-beat,
installed by migration 0003). Thin and idempotent: safe to run twice.

Kept apart from ``watchlists.tasks`` (bulk import); Celery finds these through
``CELERY_IMPORTS`` (config/settings/base.py) or ``watchlists.tasks`` importing them.
"""

from celery import shared_task

from watchlists.services.deletion import delete_due_watchlist_data as delete_due
from watchlists.services.reference import remove_overdue_reference_images as remove_overdue

__all__ = ["delete_due_watchlist_data", "remove_overdue_reference_images"]


@shared_task(acks_late=True)
def delete_due_watchlist_data() -> dict:
    """Delete the images and templates of every watchlist whose deployment or authority ended."""
    return delete_due()


@shared_task(acks_late=True)
def remove_overdue_reference_images() -> dict:
    """Take out of search every reference image whose retention review is overdue."""
    return remove_overdue()
