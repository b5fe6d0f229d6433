import pytest
from django.conf import settings
from django.db import connection

from config.tasks import describe_account
from tests.factories import UserFactory


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_the_broker_shares_the_postgresql_database():
    assert connection.vendor == "postgresql", "integration runs on PostgreSQL"
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "integration runs with a real broker"
    officer = UserFactory(username="worker-probe")
    result = describe_account.delay(officer.pk).get(timeout=60)
    assert result == {"username": "worker-probe", "database_vendor": "postgresql"}
