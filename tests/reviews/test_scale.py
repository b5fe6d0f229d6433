"""seed_scale's publications and load_test's public pages, at toy size: every completed
deployment gets an approved review and a published record that the public site serves, the
command seeds them with the rest, and a run over the public group answers without an error."""

import csv
import io

import pytest
from django.core.management import call_command

from authority.demo import seed_demo_accounts
from deployments import scale
from deployments.models import Deployment
from reviews import scale as public_scale
from reviews.models import PublicationStatus, PublishedDeployment, Review, ReviewStatus
from reviews.services.publication import record_sha256


def _seeded(deployments: int = 5) -> dict:
    users = {u.username: u for u in seed_demo_accounts(password="scale-test-password-1")}
    scale._deployments(scale._applications(20, deployments, users), users)
    return users


@pytest.mark.django_db
def test_every_completed_deployment_is_reviewed_and_published_once():
    users = _seeded()
    assert public_scale.seed_publications(users=users, say=lambda _: None) == 5
    assert public_scale.seed_publications(users=users, say=lambda _: None) == 0
    assert Review.objects.filter(status=ReviewStatus.APPROVED).count() == 5
    for publication in PublishedDeployment.objects.select_related("deployment"):
        record, deployment = publication.record, publication.deployment
        assert publication.status == PublicationStatus.PUBLISHED
        assert publication.record_sha256 == record_sha256(record)
        assert record["faces_processed"] == deployment.faces_processed
        assert record["alerts"] == deployment.alerts_raised
        assert record["false_alerts"] <= record["alerts"]
        assert record["arrests"] <= record["engagements"] <= record["alerts"]
        assert publication.reference.startswith(f"LFR-{record['date'][:4]}-")


@pytest.mark.django_db(transaction=True)
def test_the_public_group_is_served_without_an_error(live_server):
    public_scale.seed_publications(users=_seeded(), say=lambda _: None)
    groups = public_scale.public_page_groups()
    (group,) = groups
    references = [p for p in group.paths if p.startswith("/transparency/deployments/")]
    assert len(references) == 5 and any(p.endswith(".pdf") for p in group.paths)
    figures = scale.run_load(
        base_url=live_server.url, groups=groups, credentials={}, clients=2, seconds=3
    )
    assert set(figures.by_group) == {"public: transparency"}
    assert dict(figures.errors) == {}, figures.errors


@pytest.mark.django_db
def test_the_command_seeds_the_publications_with_the_rest(client):
    call_command(
        "seed_scale",
        applications=12,
        deployments=4,
        ledger_entries=20,
        password="scale-test-password-1",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Deployment.objects.filter(status="completed").count() == 4
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency/deployments.csv").text)))
    assert sorted(r["reference"] for r in rows) == sorted(
        PublishedDeployment.objects.values_list("reference", flat=True)
    )
    assert len(rows) == 4
