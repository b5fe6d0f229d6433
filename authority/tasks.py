"""Scheduled jobs (Celery beat): thin and idempotent; each loads ids and calls a service."""

from celery import shared_task
from django.utils import timezone

from authority.models import Application, ApplicationStatus
from authority.services import expire_authority, lapse_urgent_authority


@shared_task(acks_late=True)
def lapse_unratified_urgent_authorities() -> int:
    due = Application.objects.filter(
        status=ApplicationStatus.URGENT_AUTHORISED, lapses_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(lapse_urgent_authority(application_id=pk) for pk in list(due))


@shared_task(acks_late=True)
def expire_ended_authorities() -> int:
    due = Application.objects.filter(
        status=ApplicationStatus.AUTHORISED, valid_until__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(expire_authority(application_id=pk) for pk in list(due))
