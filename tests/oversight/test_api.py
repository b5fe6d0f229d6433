"""GET /api/v1/ledger/: read only, paginated and filterable, for the oversight role."""

import pytest

from common.roles import Role
from oversight.checkpoints import create_checkpoint
from tests.factories import LedgerEventFactory, OversightFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_ledger_api_is_for_the_oversight_role_only(api_client):
    api_client.force_authenticate(UserFactory(roles=[Role.AUTHORISING_OFFICER]))
    assert api_client.get("/api/v1/ledger/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/ledger/").status_code in (401, 403)


def test_the_ledger_api_is_read_only(api_client):
    api_client.force_authenticate(OversightFactory())
    entry = LedgerEventFactory()
    assert api_client.post("/api/v1/ledger/", {}).status_code in (403, 405)
    assert api_client.delete(f"/api/v1/ledger/{entry.seq}/").status_code in (403, 405)


def test_entries_carry_every_hashed_field(api_client):
    api_client.force_authenticate(OversightFactory())
    officer = UserFactory(roles=[Role.AUTHORISING_OFFICER])
    entry = LedgerEventFactory(
        actor=officer, role=Role.AUTHORISING_OFFICER, payload={"conditions": 2}
    )
    body = api_client.get(f"/api/v1/ledger/{entry.seq}/").json()
    assert body == {
        "seq": entry.seq,
        "recorded_at": entry.recorded_at,
        "actor": officer.pk,
        "role": "authorising_officer",
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "payload": {"conditions": 2},
        "payload_canonical": '{"conditions":2}',
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def test_the_ledger_api_is_paginated_and_filterable(api_client):
    api_client.force_authenticate(OversightFactory())
    officer = UserFactory(username="insp-lee")
    first = LedgerEventFactory()
    LedgerEventFactory.create_batch(
        26, action="engine.search_run", subject=("authority.application", 77)
    )
    mine = LedgerEventFactory(actor=officer, action="application.refused")
    page = api_client.get("/api/v1/ledger/", {"seq_after": first.seq - 1}).json()
    assert page["count"] == 28 and len(page["results"]) == 25 and page["next"]
    assert page["results"][0]["seq"] == first.seq  # oldest first

    def seqs(**query):
        return [
            e["seq"]
            for e in api_client.get(
                "/api/v1/ledger/", {"seq_after": first.seq - 1, "page_size": 100, **query}
            ).json()["results"]
        ]

    assert seqs(action="application.refused") == [mine.seq]
    assert seqs(action="application.") == [first.seq, mine.seq]
    assert seqs(actor="insp-lee") == [mine.seq]
    assert seqs(actor=str(officer.pk)) == [mine.seq]
    assert len(seqs(object_type="authority.application", object_id="77")) == 26
    today = first.time.date().isoformat()
    assert seqs(date_from=today, date_to=today)[0] == first.seq
    assert seqs(date_to="2000-01-01") == []


def test_the_latest_checkpoint_is_available_to_save(api_client):
    api_client.force_authenticate(OversightFactory())
    LedgerEventFactory()
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    body = api_client.get("/api/v1/ledger/checkpoint/").json()
    assert body == checkpoint.as_document()


def test_the_ledger_api_is_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/ledger/" in schema["paths"]
    assert "/api/v1/ledger/checkpoint/" in schema["paths"]
