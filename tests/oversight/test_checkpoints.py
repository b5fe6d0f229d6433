"""Signed checkpoints and the signing key: read from a file or the environment, never from the
database; generated for development only; published at a public URL; signed hourly."""

import base64
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from oversight import keys
from oversight.checkpoints import create_checkpoint, latest_checkpoint
from oversight.models import LedgerCheckpoint
from oversight.offline_verifier import (
    checkpoint_message,
    checkpoint_signature_problem,
    parse_checkpoint,
)
from oversight.tasks import checkpoint_ledger
from tests.config.test_settings import GOOD_SECRET, probe, run_python
from tests.factories import LedgerEventFactory


@pytest.fixture
def key_settings(tmp_path):
    """Settings with no key configured and the generated key under tmp_path."""

    def configure(**values):
        defaults = {
            "LEDGER_SIGNING_KEY": "",
            "LEDGER_SIGNING_KEY_FILE": "",
            "LEDGER_GENERATED_KEY_FILE": tmp_path / "var" / "ledger-signing-key.pem",
        }
        return override_settings(**{**defaults, **values})

    keys.clear_cache()
    yield configure
    keys.clear_cache()


def seed_and_key():
    seed = bytes(range(32))
    return seed, Ed25519PrivateKey.from_private_bytes(seed)


def raw(key):
    return key.public_key().public_bytes_raw()


def test_the_development_key_is_generated_once_with_mode_0600(key_settings, tmp_path):
    path = tmp_path / "var" / "ledger-signing-key.pem"
    with key_settings():
        first = keys.public_key_raw()
        keys.clear_cache()
        assert keys.public_key_raw() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_the_key_can_come_from_the_environment_as_a_base64_seed(key_settings):
    seed, key = seed_and_key()
    with key_settings(LEDGER_SIGNING_KEY=base64.b64encode(seed).decode()):
        assert keys.public_key_raw() == raw(key)


@pytest.mark.parametrize("form", ["pem", "raw", "base64"])
def test_the_key_can_come_from_a_file(key_settings, tmp_path, form):
    seed, key = seed_and_key()
    path = tmp_path / "signing.key"
    path.write_bytes(
        {
            "pem": keys.private_key_pem(key),
            "raw": seed,
            "base64": base64.b64encode(seed) + b"\n",
        }[form]
    )
    with key_settings(LEDGER_SIGNING_KEY_FILE=str(path)):
        assert keys.public_key_raw() == raw(key)


@pytest.mark.parametrize(
    "setting", [{"LEDGER_SIGNING_KEY": "too-short"}, {"LEDGER_SIGNING_KEY_FILE": "/nonexistent"}]
)
def test_a_bad_key_configuration_is_refused(key_settings, setting):
    with key_settings(**setting), pytest.raises(ImproperlyConfigured):
        keys.signing_key()


def test_without_any_key_nothing_is_signed(key_settings):
    with key_settings(LEDGER_GENERATED_KEY_FILE=None), pytest.raises(ImproperlyConfigured):
        keys.signing_key()


@pytest.mark.django_db
def test_a_checkpoint_signs_size_and_head_and_stores_no_private_key(key_settings):
    seed, key = seed_and_key()
    with key_settings(LEDGER_SIGNING_KEY=base64.b64encode(seed).decode()):
        entry = LedgerEventFactory()
        checkpoint, new = create_checkpoint(only_if_moved=False)
    assert new and (checkpoint.tree_size, checkpoint.head_hash) == (entry.seq, entry.entry_hash)
    document = parse_checkpoint(checkpoint.as_document())
    assert checkpoint_signature_problem(document, raw(key)) is None
    key.public_key().verify(
        base64.b64decode(checkpoint.signature),
        checkpoint_message(checkpoint.tree_size, checkpoint.head_hash, checkpoint.signed_at),
    )
    stored = " ".join(str(v) for v in LedgerCheckpoint.objects.values_list().get(pk=checkpoint.pk))
    private_forms = [base64.b64encode(seed).decode(), seed.hex()]
    assert not any(form in stored for form in private_forms)


@pytest.mark.django_db
def test_the_hourly_task_signs_only_when_the_ledger_moved():
    LedgerEventFactory()
    first = checkpoint_ledger()
    again = checkpoint_ledger()  # safe to run twice
    assert again == {**first, "new": False}
    LedgerEventFactory()
    assert checkpoint_ledger()["new"] is True
    assert latest_checkpoint().tree_size == first["tree_size"] + 1


@pytest.mark.django_db
def test_the_hourly_checkpoint_is_registered_with_celery_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="oversight.tasks.checkpoint_ledger")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "hours")


@pytest.mark.django_db
def test_the_public_key_is_published_without_sign_in(client):
    response = client.get("/transparency/ledger-key.pem")
    assert response.status_code == 200
    assert response.content == keys.public_key_pem()
    loaded = serialization.load_pem_public_key(response.content)
    assert loaded.public_bytes_raw() == keys.public_key_raw()
    assert response["X-Key-Id"] == keys.key_id()


def test_production_refuses_to_start_without_a_ledger_key():
    result = run_python(
        "import django; django.setup()",
        "config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="wa.example.police.uk",
        WA_CACHE_URL="redis://127.0.0.1:6379/14",
        WA_LEDGER_SIGNING_KEY="",
        WA_LEDGER_SIGNING_KEY_FILE="",
    )
    assert result.returncode != 0
    assert "WA_LEDGER_SIGNING_KEY_FILE (or WA_LEDGER_SIGNING_KEY) must name" in result.stderr


def test_production_starts_with_a_key_file_and_never_generates_one(tmp_path):
    path = tmp_path / "ledger.pem"
    path.write_bytes(keys.private_key_pem(Ed25519PrivateKey.generate()))
    config = probe(
        "config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="wa.example.police.uk",
        WA_CACHE_URL="redis://127.0.0.1:6379/14",
        WA_LEDGER_SIGNING_KEY_FILE=str(path),
    )
    assert config["debug"] is False
    check = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LEDGER_GENERATED_KEY_FILE)",
        "config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="wa.example.police.uk",
        WA_CACHE_URL="redis://127.0.0.1:6379/14",
        WA_LEDGER_SIGNING_KEY_FILE=str(path),
    )
    assert check.stdout.strip() == "None"


FRESH_LEDGER = """
import json, django
django.setup()
from django.db import connection, transaction
from oversight.ledger import record_event
from oversight.models import LedgerCheckpoint
from oversight.schema import create_statements
with connection.cursor() as cursor:
    for statement in create_statements(connection.vendor):
        cursor.execute(statement)
hashes = []
for n in range(3):
    with transaction.atomic():
        entry = record_event(actor=None, action="application.submitted",
                             subject=("authority.application", n + 1))
    hashes.append(entry.entry_hash)
signed = list(LedgerCheckpoint.objects.values_list("tree_size", "head_hash"))
print(json.dumps({"hashes": hashes, "signed": signed}))
"""


def test_the_first_entry_of_a_new_ledger_is_signed_at_once(tmp_path):
    """A new ledger (a fresh demo) is anchored from its first entry, not only from the 1,000th
    or the first hourly run. In a fresh database: the test database's ledger is not new."""
    import json

    result = run_python(
        FRESH_LEDGER,
        "config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        WA_LEDGER_CHECKPOINT_EVERY="1000",
    )
    assert result.returncode == 0, result.stderr
    ledger = json.loads(result.stdout)
    assert ledger["signed"] == [[1, ledger["hashes"][0]]]


@pytest.mark.django_db
def test_the_latest_checkpoint_is_published_without_sign_in(client):
    LedgerEventFactory()
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    response = client.get("/transparency/ledger-checkpoint.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"]
    assert response.json() == checkpoint.as_document()
    assert (
        checkpoint_signature_problem(parse_checkpoint(response.json()), keys.public_key_raw())
        is None
    )


@pytest.mark.django_db
def test_before_any_checkpoint_the_public_url_says_so_in_json(client, monkeypatch):
    monkeypatch.setattr("oversight.views.latest_checkpoint", lambda: None)
    response = client.get("/transparency/ledger-checkpoint.json")
    assert response.status_code == 404
    assert response.json()["code"] == "no_checkpoint"
    assert "first entry" in response.json()["detail"]


@pytest.mark.django_db
def test_a_copy_of_the_public_checkpoint_catches_a_rewrite_that_removes_the_stored_ones(
    client, tamper, tmp_path
):
    """The probe's attack: rewrite an entry, re-chain everything after it and delete the
    stored checkpoints. The database alone then looks intact; an outsider's copy does not."""
    import json

    from django.core.management import CommandError, call_command

    events = [LedgerEventFactory(payload={"reason": "test event", "n": n}) for n in range(3)]
    create_checkpoint(only_if_moved=False)
    copy = tmp_path / "ledger-checkpoint.json"
    copy.write_bytes(client.get("/transparency/ledger-checkpoint.json").content)

    tamper.rechain_from(events[0].seq)
    tamper.execute("DELETE FROM oversight_ledger_checkpoint")
    call_command("verify_ledger", stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    assert (tmp_path / "out.txt").read_text().startswith("ledger intact")
    with pytest.raises(CommandError, match="checkpoint mismatch"):
        call_command("verify_ledger", "--checkpoint", str(copy))
    assert json.loads(copy.read_text())["tree_size"] == events[-1].seq
