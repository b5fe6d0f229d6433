"""verify_ledger detects each kind of tampering and names the first bad sequence number."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from oversight.checkpoints import create_checkpoint
from oversight.ledger import ledger_head
from tests.conftest import REPO_ROOT
from tests.factories import LedgerEventFactory

pytestmark = pytest.mark.django_db


def verify(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue().strip()


def refused(*args) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    message = str(failure.value)
    assert "\n" not in message
    return message


def save_checkpoint(tmp_path, document=None):
    if document is None:
        checkpoint, _ = create_checkpoint(only_if_moved=False)
        document = checkpoint.as_document()
    path = tmp_path / "saved-checkpoint.json"
    path.write_text(json.dumps(document))
    return path


def test_an_intact_ledger_verifies_with_a_one_line_summary(events):
    line = verify()
    assert line.startswith(f"ledger intact: {events[-1].seq} entries")
    assert "\n" not in line


def test_the_summary_names_the_entries_no_checkpoint_covers(events):
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    later = [LedgerEventFactory() for _ in range(3)]
    line = verify()
    assert (
        f"entries {checkpoint.tree_size + 1:,}\N{EN DASH}{later[-1].seq:,} (3) are after the "
        "latest checkpoint and protected only by the chain"
    ) in line


def test_the_summary_says_when_the_latest_checkpoint_covers_everything(events):
    create_checkpoint(only_if_moved=False)
    assert f"the latest checkpoint covers every entry (1\N{EN DASH}{events[-1].seq:,})" in verify()


def test_coverage_without_any_checkpoint_names_the_whole_chain():
    from oversight.verification import Verification

    result = Verification(
        ok=True, entries=1042, head_hash="a" * 64, checkpoints_checked=0, seconds=0.1, key_id="k"
    )
    assert result.coverage == (
        "entries 1\N{EN DASH}1,042 (1,042) are covered by no checkpoint "
        "and protected only by the chain"
    )
    covered = Verification(
        ok=True,
        entries=1042,
        head_hash="a" * 64,
        checkpoints_checked=1,
        seconds=0.1,
        key_id="k",
        covered=1000,
    )
    assert covered.coverage == (
        "entries 1,001\N{EN DASH}1,042 (42) are after the latest checkpoint "
        "and protected only by the chain"
    )


def test_an_edited_payload_is_detected_at_its_sequence_number(events, tamper):
    tamper.edit_payload(events[2].seq)
    assert f"first bad sequence number {events[2].seq}: hash mismatch" in refused()


def test_an_edited_actor_is_detected(events, tamper):
    tamper.execute("UPDATE oversight_ledger_entry SET actor_id = 7 WHERE seq = %s", [events[1].seq])
    assert f"first bad sequence number {events[1].seq}: hash mismatch" in refused()


def test_a_deleted_row_is_detected_as_a_gap(events, tamper):
    tamper.delete(events[2].seq)
    message = refused()
    assert f"first bad sequence number {events[2].seq}: gap" in message
    assert f"entry {events[2].seq} is missing" in message


def test_an_inserted_row_is_detected(events, tamper):
    tamper.insert_before(events[2].seq)
    # The forged entry chains correctly to the one before it; the displaced original after it
    # no longer links to it (nor hashes to its recorded value at its new position).
    assert f"first bad sequence number {events[2].seq + 1}: broken link" in refused()


def test_reordered_rows_are_detected(events, tamper):
    tamper.swap(events[1].seq, events[3].seq)
    assert f"first bad sequence number {events[1].seq}: " in refused()


def test_a_deleted_last_row_is_detected_by_the_stored_checkpoint(events, tamper):
    create_checkpoint(only_if_moved=False)
    tamper.delete(events[-1].seq)
    message = refused()
    assert f"first bad sequence number {events[-1].seq}: entries removed" in message


def test_a_recomputed_chain_is_caught_by_a_stored_checkpoint(events, tamper):
    create_checkpoint(only_if_moved=False)
    tamper.rechain_from(events[2].seq)
    message = refused()
    assert "checkpoint mismatch" in message
    assert f"and {events[-1].seq}" in message  # the range the bad entry lies in


def test_a_recomputed_chain_is_caught_by_a_saved_checkpoint_file(events, tamper, tmp_path):
    saved = save_checkpoint(tmp_path)
    # The forger also removes the platform's own checkpoints: the saved file still catches it.
    tamper.execute("DELETE FROM oversight_ledger_checkpoint")
    tamper.rechain_from(events[1].seq)
    message = refused("--checkpoint", str(saved))
    assert "checkpoint mismatch" in message and "saved-checkpoint.json" in message


def test_a_saved_checkpoint_that_still_matches_passes(events, tmp_path):
    saved = save_checkpoint(tmp_path)
    LedgerEventFactory()  # the ledger grows after the checkpoint: still consistent
    assert "saved checkpoint (tree size" in verify("--checkpoint", str(saved))


def test_a_forged_checkpoint_is_detected_by_its_signature(events, tmp_path):
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    forged = {**checkpoint.as_document(), "tree_size": checkpoint.tree_size - 1}
    message = refused("--checkpoint", str(save_checkpoint(tmp_path, forged)))
    assert "bad checkpoint" in message and "bad signature" in message


def test_a_checkpoint_signed_with_another_key_is_detected(events, tmp_path):
    import base64

    from oversight.offline_verifier import checkpoint_message, key_id_for

    size, head = ledger_head()
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes_raw()
    document = {
        "format": "wa-ledger-checkpoint-v1",
        "tree_size": size,
        "head_hash": head,
        "signed_at": "2030-01-01T00:00:00.000000Z",
        "key_id": key_id_for(raw),
        "public_key": base64.b64encode(raw).decode(),
        "signature": base64.b64encode(
            other.sign(checkpoint_message(size, head, "2030-01-01T00:00:00.000000Z"))
        ).decode(),
    }
    message = refused("--checkpoint", str(save_checkpoint(tmp_path, document)))
    assert "bad signature" in message and "not the ledger's published key" in message


def test_an_unreadable_checkpoint_file_exits_2(tmp_path):
    path = tmp_path / "nonsense.json"
    path.write_text("not json")
    with pytest.raises(CommandError) as failure:
        verify("--checkpoint", str(path))
    assert failure.value.returncode == 2


def test_exit_status_and_output_from_the_command_line(tmp_path):
    """End to end in a fresh process: 0 and one line when intact, 1 and one line on stderr
    naming the first bad sequence number once a row is edited behind the triggers' back."""
    database = tmp_path / "ledger.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }

    def manage(*args, code=None):
        command = (
            [sys.executable, "manage.py", *args] if code is None else [sys.executable, "-c", code]
        )
        return subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert manage("migrate", "-v0").returncode == 0
    write = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from oversight.ledger import record_event\n"
        "for n in range(3):\n"
        "    with transaction.atomic():\n"
        "        record_event(actor=None, action='application.lapsed',"
        " subject=('authority.application', n), payload={'n': n})\n"
    )
    assert manage(code=write).returncode == 0
    intact = manage("verify_ledger")
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.count("\n") == 1 and intact.stdout.startswith("ledger intact: 3 entries")
    # A new ledger's first entry is signed at once: only the two after it are uncovered.
    assert "entries 2\N{EN DASH}3 (2) are after the latest checkpoint" in intact.stdout

    with sqlite3.connect(database) as db:
        db.execute("DROP TRIGGER oversight_ledger_entry_no_update")
        db.execute("UPDATE oversight_ledger_entry SET payload = '{}' WHERE seq = 2")
    broken = manage("verify_ledger")
    assert broken.returncode == 1
    lines = broken.stderr.strip().splitlines()
    assert len(lines) == 1 and "first bad sequence number 2: hash mismatch" in lines[0]
