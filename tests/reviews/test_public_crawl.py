"""After ``seed_demo``, every public URL is crawled and no restricted value from the database
appears in any response: no one's name (an officer's only at or above the configured rank),
no record id, no intelligence case, no restricted field; and the demo's published deployment
is there, its figures those of the Westminster shape."""

import io
import json
import re
from urllib.parse import urljoin, urlparse

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from pypdf import PdfReader

from authority.models import Application, Location, User
from deployments.models import CheckCandidate, SearchCandidate
from oversight.redaction import restricted_fields
from reviews.models import PublicationStatus, PublishedDeployment
from watchlists.models import WatchlistEntry

pytestmark = pytest.mark.django_db
HREF = re.compile(r'href="([^"#]+)"')


def restricted_values() -> set[str]:
    values: set[str] = set()
    for user in User.objects.all():
        if (user.rank or 0) < settings.WA_PUBLIC_NAMED_MINIMUM_RANK:
            values |= {user.get_full_name(), user.last_name}
        values.add(user.email)
        values.add(user.warrant_number)
    for entry in WatchlistEntry.objects.all():
        values |= {entry.record_id, entry.name, entry.reason}
    values |= set(SearchCandidate.objects.values_list("record_id", flat=True))
    values |= set(CheckCandidate.objects.values_list("record_id", flat=True))
    values |= set(Application.objects.values_list("intelligence_case", flat=True))
    values |= set(Location.objects.values_list("justification", flat=True))
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields} & set(restricted_fields(model))
        for name in names:
            for value in model.objects.values_list(name, flat=True):
                values.add(str(value) if value is not None else "")
    return {v for v in values if v and len(v) >= 4}


def text_of(response) -> str:
    if response["Content-Type"].startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(page.extract_text() for page in reader.pages)
    return response.content.decode()


def crawl(client) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = ["/transparency/", "/transparency/deployments.csv", "/transparency/deployments.json"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = text_of(response)
        if response["Content-Type"].startswith("text/html"):
            for href in HREF.findall(seen[url]):
                target = urlparse(urljoin(url, href)).path
                if target.startswith("/transparency/") and target not in seen:
                    queue.append(target)
    return seen


def test_no_restricted_value_on_any_public_page_after_seed_demo(client, settings):
    settings.WA_EQUITY_FPIR_TOLERANCE = 0.03  # the demo's rule (config/settings/local.py)
    call_command("seed_demo", password="demo-pass-for-tests", stdout=io.StringIO())
    published = PublishedDeployment.objects.get(status=PublicationStatus.PUBLISHED)
    assert published.record["faces_processed"] == 12_120
    pages = crawl(client)
    assert f"/transparency/deployments/{published.reference}/" in pages
    assert f"/transparency/deployments/{published.reference}.pdf" in pages
    assert any(url.endswith(".pdf") and url[-8:-4].isdigit() for url in pages)
    announced = PublishedDeployment.objects.get(status=PublicationStatus.ANNOUNCED)
    assert announced.announcement["location"] in pages["/transparency/"]
    data = json.loads(pages["/transparency/deployments.json"])
    assert data["deployments"][0]["arrests"] == 4
    secrets = restricted_values()
    assert len(secrets) > 20
    for url, text in pages.items():
        for secret in secrets:
            assert secret not in text, (url, secret)
