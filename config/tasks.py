"""Platform-level tasks (health of the worker itself)."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection


@shared_task(acks_late=True)
def describe_account(user_id: int) -> dict:
    """Report, from the worker's own database connection, what it sees of one account.

    Used by the health check and the integration tests to prove a worker shares the database.
    """
    user = get_user_model().objects.get(pk=user_id)
    return {"username": user.username, "database_vendor": connection.vendor}
