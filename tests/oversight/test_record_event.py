"""record_event: the one way into the ledger, and the contract every service codes against."""

import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from django.db import DatabaseError, transaction
from django.test import override_settings

from authority.models import User
from common.roles import Role
from oversight.errors import BiometricDataInLedger, InvalidLedgerEvent
from oversight.ledger import ledger_head, record_event
from oversight.models import LedgerCheckpoint
from oversight.offline_verifier import GENESIS_HASH, entry_hash
from tests.factories import LedgerEventFactory, OversightFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_entries_get_a_gapless_sequence_each_chained_to_the_one_before():
    before, head_hash = ledger_head()
    entries = LedgerEventFactory.create_batch(4)
    assert [e.seq for e in entries] == list(range(before + 1, before + 5))
    assert entries[0].prev_hash == (head_hash if before else GENESIS_HASH)
    for earlier, later in itertools.pairwise(entries):
        assert later.prev_hash == earlier.entry_hash
    assert ledger_head() == (before + 4, entries[-1].entry_hash)


def test_the_hash_covers_every_field_and_the_previous_hash():
    entry = LedgerEventFactory(
        actor=UserFactory(roles=[Role.AUTHORISING_OFFICER]),
        role=Role.AUTHORISING_OFFICER,
        action="application.authorised",
        subject=("authority.application", 42),
        payload={"conditions": 2},
    )
    assert entry.entry_hash == entry_hash(
        entry.seq,
        entry.recorded_at,
        entry.actor_id,
        "authorising_officer",
        "application.authorised",
        "authority.application",
        "42",
        '{"conditions":2}',
        entry.prev_hash,
    )


def test_a_model_instance_subject_is_recorded_as_its_label_and_pk():
    officer = UserFactory()
    entry = LedgerEventFactory(subject=officer, action="officer.created")
    assert (entry.object_type, entry.object_id) == ("authority.user", str(officer.pk))


def test_an_unsaved_subject_is_refused():
    with pytest.raises(InvalidLedgerEvent), transaction.atomic():
        record_event(actor=None, action="officer.created", subject=User(username="ghost"))


def test_without_a_role_the_actors_roles_are_recorded_sorted_and_joined():
    officer = UserFactory(roles=[Role.WATCHLIST_OFFICER, Role.APPLICANT])
    entry = LedgerEventFactory(actor=officer)
    assert entry.actor_id == officer.pk
    assert entry.role == "applicant_officer,watchlist_officer"


def test_the_system_is_an_actor_of_none_in_the_role_system():
    entry = LedgerEventFactory(actor=None, action="application.lapsed")
    assert entry.actor_id is None and entry.role == "system"


@pytest.mark.parametrize("role", ["superhero", "authorising officer"])
def test_an_unknown_role_is_refused(role):
    with pytest.raises(InvalidLedgerEvent):
        LedgerEventFactory(actor=UserFactory(), role=role)


def test_the_system_cannot_claim_a_persons_role():
    with pytest.raises(InvalidLedgerEvent):
        LedgerEventFactory(actor=None, role=Role.AUTHORISING_OFFICER)


@pytest.mark.parametrize(
    "action", ["authorised", "Application.Authorised", "application authorised", "a..b", ""]
)
def test_actions_must_read_entity_dot_past_tense(action):
    with pytest.raises(InvalidLedgerEvent):
        LedgerEventFactory(action=action)


@pytest.mark.parametrize(
    "subject",
    [("application", 1), ("authority.application", ""), ("authority.application", "a\nb")],
)
def test_subjects_must_be_app_label_dot_model_and_a_printable_id(subject):
    with pytest.raises(InvalidLedgerEvent):
        LedgerEventFactory(subject=subject)


@pytest.mark.parametrize(
    "payload",
    [
        {"probe": b"\xff\xd8\xff\xe0 jpeg bytes"},
        {"data": bytearray(16)},
        {"vector": [0.1] * 4},
        {"embedding": "anything"},
        {"faceImage": "x"},
        {"template": None},
        {"face": {"id": 3}},
        {"scores": np.zeros(128, dtype=np.float32)},
        {"values": [0.5] * 17},
        {"nested": {"list": [[0.25] * 512]}},
        {"snapshot": "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ"},
        {"blob": "QUJD" * 100},
    ],
    ids=[
        "bytes",
        "bytearray",
        "key-vector",
        "key-embedding",
        "key-faceImage",
        "key-template",
        "key-face",
        "numpy-array",
        "17-floats",
        "nested-vector",
        "data-uri",
        "base64-blob",
    ],
)
def test_payloads_never_hold_images_vectors_or_templates(payload):
    before = ledger_head()
    with pytest.raises(BiometricDataInLedger) as refused:
        LedgerEventFactory(payload=payload)
    assert refused.value.code == "biometric_data_in_ledger"
    assert ledger_head() == before


def test_counts_ids_and_hashes_about_faces_and_images_are_allowed():
    entry = LedgerEventFactory(
        action="deployment.closed",
        payload={
            "faces_processed": 12120,
            "image_sha256": "ab" * 32,
            "watchlist_image_ids": list(range(40)),
            "template_version": "facenet-0.1.0",
            "threshold": 0.64,
            "scores_by_group": [0.61, 0.62, 0.63],
        },
    )
    assert entry.data["faces_processed"] == 12120


def test_the_payload_is_stored_as_canonical_json():
    entry = LedgerEventFactory(
        payload={
            "b": 1,
            "a": "Ünïcode",
            "when": datetime(2025, 1, 28, 9, 30, tzinfo=UTC),
            "threshold": 0.64,
            "exact": Decimal("0.640"),
            "role": Role.AUTHORISING_OFFICER,
            "list": (1, 2),
        }
    )
    assert entry.payload == (
        '{"a":"Ünïcode","b":1,"exact":"0.640","list":[1,2],"role":"authorising_officer",'
        '"threshold":0.64,"when":"2025-01-28T09:30:00.000000Z"}'
    )
    assert json.loads(entry.payload)["b"] == 1


def test_an_action_whose_ledger_write_fails_rolls_back_with_it(monkeypatch):
    with transaction.atomic():
        record_event(actor=None, action="officer.created", subject=("authority.user", 1))
    before = ledger_head()
    # The database itself refuses the row: its hash repeats the head's (a UNIQUE column).
    monkeypatch.setattr("oversight.ledger.entry_hash", lambda *fields: before[1])
    with pytest.raises(DatabaseError), transaction.atomic():
        officer = UserFactory(username="rolled-back")
        record_event(actor=None, action="officer.created", subject=officer)
    assert not User.objects.filter(username="rolled-back").exists()
    assert not User.history.filter(username="rolled-back").exists()
    assert ledger_head() == before


def test_a_refused_payload_rolls_back_the_whole_action():
    before = ledger_head()
    with pytest.raises(BiometricDataInLedger), transaction.atomic():
        OversightFactory(username="also-rolled-back")
        record_event(
            actor=None,
            action="watchlist.enrolled",
            subject=("watchlists.entry", 1),
            payload={"embedding": [0.0] * 128},
        )
    assert not User.objects.filter(username="also-rolled-back").exists()
    assert ledger_head() == before


@override_settings(LEDGER_CHECKPOINT_EVERY=3)
def test_a_checkpoint_is_signed_with_every_nth_entry():
    entries = LedgerEventFactory.create_batch(3)
    third = next(e for e in entries if e.seq % 3 == 0)
    checkpoint = LedgerCheckpoint.objects.get(tree_size=third.seq)
    assert checkpoint.head_hash == third.entry_hash


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = LedgerEventFactory()
    entry.payload = "{}"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
