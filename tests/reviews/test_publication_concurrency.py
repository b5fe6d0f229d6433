"""Two publishers publishing the same deployment's results at once: exactly one publication is
recorded, on the page and on the ledger; the other is told it is already published."""

import threading

import pytest
from django.db import connection, connections

from common.errors import DomainError
from common.roles import Role
from oversight.models import LedgerEntry
from reviews.models import PublishedDeployment
from reviews.services.publication import publish_deployment_results
from tests.factories import StaffFactory
from tests.reviews.test_publication import approved, publisher  # noqa: F401


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_publishers_publishing_at_once_exactly_one_is_recorded(approved, publisher):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # Append-only: earlier transactional tests' entries stay, so count from here.
    before = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    second = StaffFactory(username="publisher2", roles=[Role.PUBLISHER])
    deployment = approved.deployment
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish(user) -> None:
        barrier.wait()
        try:
            publish_deployment_results(deployment=deployment, by=user, purpose="To find people.")
            outcomes.append("published")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(who,)) for who in (publisher, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published", "wrong_state"]
    assert PublishedDeployment.objects.filter(deployment=deployment).count() == 1
    published = LedgerEntry.objects.filter(seq__gt=before, action="publication.results_published")
    assert published.count() == 1
