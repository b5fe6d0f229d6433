"""The demo's reviewed deployment goes through the real services wherever one exists: the
list's sign-off, every adjudication and engagement decision; only the entries and the run's
counts and alerts are seeded (reviews.demo says why). Its figures keep Westminster's shape."""

import io
import json

import pytest

from authority.demo import seed_demo_accounts
from deployments.models import Alert, AlertStatus
from oversight.models import LedgerEntry
from reviews import demo
from reviews.models import PublicationStatus, PublishedDeployment, ReviewStatus
from watchlists.models import WatchlistVersion

pytestmark = pytest.mark.django_db


def _payloads(action: str, **subject) -> list[dict]:
    entries = LedgerEntry.objects.filter(action=action, **subject)
    return [json.loads(payload) for payload in entries.values_list("payload", flat=True)]


def test_the_demo_review_is_signed_off_adjudicated_and_engaged_through_the_services():
    users = {u.username: u for u in seed_demo_accounts(password="demo-pass-for-tests")}
    out = io.StringIO()
    demo.seed(users=users, stdout=out)
    published = PublishedDeployment.objects.get(status=PublicationStatus.PUBLISHED)
    deployment = published.deployment
    assert deployment.review.status == ReviewStatus.APPROVED, out.getvalue()
    figures = published.record
    assert (
        figures["faces_processed"],
        figures["watchlist_size"],
        figures["alerts"],
        figures["false_alerts"],
        figures["engagements"],
        figures["arrests"],
    ) == (12_120, 9_756, 11, 1, 7, 4)
    # The sign-off is the service's: it digests the entries and seals the gallery.
    version = WatchlistVersion.objects.get(watchlist=deployment.watchlist)
    (signed,) = _payloads("watchlist.signed_off", object_id=str(deployment.watchlist_id))
    assert signed["entry_count"] == 9_756 and signed["entries_sha256"] == version.entries_sha256
    assert signed["gallery_id"] == deployment.watchlist.gallery_id
    assert signed["category_counts"] == demo.CATEGORY_COUNTS
    # Each adjudication and engagement is the service's, by the officers named on the run.
    alerts = Alert.objects.filter(deployment=deployment)
    assert {a.adjudicated_by for a in alerts} == {users["operator"]}
    assert alerts.filter(status=AlertStatus.ENGAGEMENT_DECIDED).count() == 7
    adjudicated = [p for p in _payloads("alert.adjudicated") if p["run_id"] == deployment.run_id]
    assert len(adjudicated) == 11 and all("reason" in p and "score" in p for p in adjudicated)
    # The applicant's stated footfall is what the authorising officer saw the expectation at.
    assert deployment.authority.expected_footfall == 12_000
