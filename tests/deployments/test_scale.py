"""seed_scale's volume and load_test's clients, at toy size: the rows it writes are readable
by the pages the load asks for, a run reports every group, and a database in use is refused."""

import pytest
from django.db import transaction

from authority.demo import seed_demo_accounts
from authority.models import Application
from deployments import scale
from deployments.models import Deployment
from oversight.ledger import record_event
from watchlists.models import Watchlist


def test_seed_scale_refuses_a_database_that_holds_records(db):
    with transaction.atomic():
        record_event(actor=None, action="system.started", subject=("authority.application", 1))
    with pytest.raises(RuntimeError, match="empty"):
        scale.seed_scale(applications=1, deployments=1, ledger_entries=1, password="x" * 20)


@pytest.mark.django_db(transaction=True)
def test_seeded_records_serve_every_page_group_under_load(live_server):
    users = {u.username: u for u in seed_demo_accounts(password="scale-test-password-1")}
    lfr = scale._applications(30, 5, users)
    scale._deployments(lfr, users)
    assert Application.objects.count() == 30 and len(lfr) == 5
    assert Deployment.objects.filter(status="completed").count() == 5
    assert Watchlist.objects.filter(status="data_deleted").count() == 5

    groups = scale.page_groups(
        list(Deployment.objects.values_list("pk", flat=True)),
        list(Application.objects.values_list("pk", flat=True)),
    )
    figures = scale.run_load(
        base_url=live_server.url,
        groups=groups,
        credentials=scale.credentials_for(groups),
        clients=2,
        seconds=3,
    )
    assert set(figures.by_group) == {g.name for g in groups}
    assert dict(figures.errors) == {}, figures.errors
    lines = scale.summary_lines(figures)
    assert lines[0].startswith("2 clients") and any("p95" in line for line in lines)
