"""Read only means no writes: for the oversight role, a POST to any oversight URL (pages, API
and the public key) leaves the ledger and its checkpoints exactly as they were; the one
exception, asking for an inspection export, writes its request and that request's event only."""

import re

import pytest
from django.urls import URLPattern, reverse

from oversight import urls as oversight_urls
from oversight.checkpoints import create_checkpoint
from oversight.ledger import ledger_head
from oversight.models import LedgerCheckpoint, LedgerEntry
from tests.factories import LedgerEventFactory, OversightFactory

pytestmark = pytest.mark.django_db

# Values for each URL's parameters (an object the ledger knows).
SAMPLE_KWARGS = {"app_label": "authority", "model_name": "application", "object_id": "1", "pk": 1}
EXPORTS = "/oversight/exports/"  # the one oversight POST that writes (its request)
OTHER_URLS = ["/api/v1/ledger/", "/api/v1/ledger/checkpoint/", "/transparency/ledger-key.pem"]


def oversight_paths() -> list[str]:
    """Every URL under /oversight/, found from its URLconf so a new page is covered too."""
    paths = []
    for pattern in oversight_urls.urlpatterns:
        assert isinstance(pattern, URLPattern), pattern
        names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        kwargs = {name: SAMPLE_KWARGS[name] for name in names}
        paths.append(reverse(f"oversight:{pattern.name}", kwargs=kwargs))
    return paths


def snapshot():
    return (
        ledger_head(),
        LedgerEntry.objects.count(),
        list(LedgerCheckpoint.objects.order_by("id").values_list("id", "tree_size", "head_hash")),
    )


@pytest.fixture
def moved_ledger():
    """A signed checkpoint, then more entries: a POST that signs would now store a new one."""
    LedgerEventFactory(subject=("authority.application", 1))
    create_checkpoint(only_if_moved=False)
    LedgerEventFactory(subject=("authority.application", 1))


def test_every_oversight_url_is_covered():
    assert "/oversight/checkpoint.json" in oversight_paths()
    assert "/oversight/verify/" in oversight_paths()
    assert len(oversight_paths()) == len(oversight_urls.urlpatterns)


@pytest.mark.parametrize("path", [p for p in [*oversight_paths(), *OTHER_URLS] if p != EXPORTS])
def test_a_post_by_the_oversight_role_writes_nothing(client, api_client, moved_ledger, path):
    user = OversightFactory()
    client.force_login(user)
    before = snapshot()
    response = client.post(path, {"checkpoint": ""})
    assert response.status_code < 500
    api_client.force_authenticate(user)
    api_response = api_client.post(path, {}, format="json")
    assert api_response.status_code < 500
    assert snapshot() == before


def test_asking_for_an_export_writes_its_request_and_its_event_only(client, moved_ledger):
    client.force_login(OversightFactory())
    (head, _), count, checkpoints = snapshot()
    assert client.post(EXPORTS, {"since": ""}).status_code == 302  # the build waits for commit
    assert list(LedgerEntry.objects.filter(seq__gt=head).values_list("action", flat=True)) == [
        "inspection_export.requested"
    ]
    assert snapshot()[1:] == (count + 1, checkpoints)


def test_posting_to_checkpoint_json_is_refused(client, moved_ledger):
    client.force_login(OversightFactory())
    before = LedgerCheckpoint.objects.count()
    response = client.post(reverse("oversight:checkpoint"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert LedgerCheckpoint.objects.count() == before


def test_every_oversight_page_refuses_writes_except_the_read_only_verification(client):
    client.force_login(OversightFactory())
    for path in oversight_paths():
        status = client.post(path).status_code
        if path == reverse("oversight:verify"):
            assert status == 200  # it recomputes the chain and changes nothing
        elif path == EXPORTS:
            assert status == 302  # asked for; see the test above
        else:
            assert status == 405, path
