"""The public site's share of ``seed_scale`` and ``load_test`` (``deployments.scale`` does the
rest; it may not import this app, so the commands live here).

``seed_publications`` gives every completed deployment ``seed_scale`` wrote an approved review
and its published results record, as a force that publishes every deployment would have after
years of use. Like the rest of the seed these are rows written in bulk, not acts on the ledger:
the figures are synthetic but consistent with the deployment's counters (alerts as raised,
false alerts, engagements and arrests within them), and each record is the one
``reviews.public.results_record`` builds, with its SHA-256. No PDF is rendered (a thousand
would take minutes), so the deployment PDF is not in the load; the year PDF is, rendered on
the first request and cached as the site does.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.db import transaction

from deployments.scale import PageGroup

BATCH = 500
PURPOSE = "Synthetic volume for the load test."


def _figures(deployment, rng: random.Random) -> dict:
    from reviews.figures import CategoryFigures, DeploymentFigures

    alerts = deployment.alerts_raised
    false = rng.randint(0, min(alerts, 2))
    engagements = rng.randint(0, alerts - false)
    arrests = rng.randint(0, engagements)
    size = rng.randint(100, max(100, deployment.authority.max_watchlist_size or 100))
    return DeploymentFigures(
        frames_processed=deployment.frames_processed,
        faces_processed=deployment.faces_processed,
        watchlist_size=size,
        alerts=alerts,
        true_alerts=alerts - false,
        false_alerts=false,
        engagements=engagements,
        arrests=arrests,
        outcomes={"arrest": arrests, "no_further_action": engagements - arrests},
        by_category=(
            CategoryFigures(
                category="wanted_by_courts",
                watchlist_entries=size,
                alerts=alerts,
                true_alerts=alerts - false,
                false_alerts=false,
                engagements=engagements,
                arrests=arrests,
            ),
        ),
    ).as_dict()


def seed_publications(*, users: dict, say=print) -> int:
    """An approved review and a published record for every completed scale deployment that
    has none; how many were published."""
    from deployments.models import Deployment
    from reviews.models import PublicationStatus, PublishedDeployment, Review, ReviewStatus
    from reviews.public import results_record
    from reviews.services.publication import public_reference, record_sha256, reference_year

    rng = random.Random(20261203)  # noqa: S311 (synthetic data, reproducible)
    deployments = (
        Deployment.objects.filter(status="completed", run_id__startswith="scale-", review=None)
        .select_related("location", "authority")
        .order_by("started_at", "pk")
    )
    taken: dict[int, int] = defaultdict(int)
    for year, count in _references_taken():
        taken[year] = count
    reviewer, approver, publisher = users["reviewer"], users["superintendent"], users["publisher"]
    say(f"Publications: {deployments.count():,} approved reviews and published results...")
    published = 0
    batch = list(deployments[:BATCH])
    while batch:
        reviews, publications = [], []
        for deployment in batch:
            figures = _figures(deployment, rng)
            ended = deployment.ended_at
            year = reference_year(deployment)
            taken[year] += 1
            reference = public_reference(year, taken[year])
            record = results_record(
                deployment, reference=reference, figures=figures, purpose=PURPOSE
            )
            reviews.append(
                Review(
                    deployment=deployment,
                    status=ReviewStatus.APPROVED,
                    opened_at=ended,
                    figures=figures,
                    figures_checked_at=ended + timedelta(days=2),
                    **dict.fromkeys(
                        ("system_performance", "safeguards", "equality", "lessons"), PURPOSE
                    ),
                    deletion_attestation=PURPOSE,
                    author=reviewer,
                    submitted_by=reviewer,
                    submitted_at=ended + timedelta(days=2),
                    approved_by=approver,
                    approved_at=ended + timedelta(days=3),
                )
            )
            publications.append(
                PublishedDeployment(
                    deployment=deployment,
                    reference=reference,
                    status=PublicationStatus.PUBLISHED,
                    record=record,
                    record_sha256=record_sha256(record),
                    published_by=publisher,
                    published_at=ended + timedelta(days=4),
                )
            )
        with transaction.atomic():
            Review.objects.bulk_create(reviews)
            PublishedDeployment.objects.bulk_create(publications)
        published += len(publications)
        batch = list(deployments[:BATCH])  # the published leave the query
    return published


def _references_taken() -> list[tuple[int, int]]:
    """(year, how many references it has) for the publications already there."""
    from reviews.models import PublishedDeployment

    counts: dict[int, int] = defaultdict(int)
    for reference in PublishedDeployment.objects.values_list("reference", flat=True):
        counts[int(reference.split("-")[1])] += 1
    return sorted(counts.items())


def public_page_groups() -> list[PageGroup]:
    """The public transparency site, read signed out: the index, the open data, 20 published
    deployments' pages spread over the years and every year's PDF."""
    from reviews.models import PublicationStatus, PublishedDeployment

    references = list(
        PublishedDeployment.objects.filter(status=PublicationStatus.PUBLISHED)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    picked = references[:: max(1, len(references) // 20)][:20]
    years = sorted({int(reference.split("-")[1]) for reference in references})
    return [
        PageGroup(
            "public: transparency",
            (
                "/transparency/",
                "/transparency/deployments.csv",
                "/transparency/deployments.json",
                *(f"/transparency/deployments/{reference}/" for reference in picked),
                *(f"/transparency/{year}.pdf" for year in years),
            ),
            "none",
        )
    ]
