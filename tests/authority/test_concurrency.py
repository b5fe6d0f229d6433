"""Two authorising officers deciding the same application at once: one decision only."""

import threading

import pytest
from django.db import close_old_connections, connection
from guardian.shortcuts import assign_perm

from authority import services
from authority.models import ApplicationStatus, Decision
from common.errors import WrongState


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_record_exactly_one(consulted, superintendent, other_superintendent):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL"
    assign_perm("authority.authorise_application", other_superintendent, consulted)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(officer, service, **kwargs):
        try:
            barrier.wait(timeout=10)
            service(application=consulted, by=officer, **kwargs)
            outcomes[officer.username] = "decided"
        except WrongState as exc:
            outcomes[officer.username] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(
            target=decide,
            args=(superintendent, services.authorise_application),
            kwargs={"reasons": "Authorised."},
        ),
        threading.Thread(
            target=decide,
            args=(other_superintendent, services.refuse_application),
            kwargs={"reasons": "Refused."},
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(v).__name__ for v in outcomes.values()) == ["WrongState", "str"]
    assert Decision.objects.filter(application=consulted).count() == 1
    consulted.refresh_from_db()
    winner = Decision.objects.get(application=consulted)
    expected = {"authorised": ApplicationStatus.AUTHORISED, "refused": ApplicationStatus.REFUSED}
    assert consulted.status == expected[winner.outcome]
