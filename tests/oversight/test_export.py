"""export_inspection, and the standalone verifier inside it: each kind of tampering with an
export (or a forged checkpoint) is caught offline, with the first bad sequence number."""

import ast
import base64
import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from oversight import export as export_module
from oversight import keys
from oversight.checkpoints import create_checkpoint
from oversight.offline_verifier import checkpoint_message, entry_hash, key_id_for, verify_export
from tests.factories import LedgerEventFactory

pytestmark = pytest.mark.django_db


def make_export(tmp_path, *args) -> tuple:
    out = tmp_path / "inspection.zip"
    stdout = StringIO()
    call_command("export_inspection", "--out", str(out), *args, stdout=stdout)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    return out, folder, stdout.getvalue()


def read_lines(folder):
    return (folder / "ledger.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(folder, lines):
    (folder / "ledger.jsonl").write_text("".join(lines), encoding="utf-8")


def index_of(lines, seq):
    return next(i for i, line in enumerate(lines) if json.loads(line)["seq"] == seq)


def check(folder, **kwargs):
    ok, line = verify_export(folder, **kwargs)
    assert "\n" not in line
    return ok, line


def test_the_export_holds_ledger_checkpoint_key_verifier_and_manifest(events, tmp_path):
    out, folder, summary = make_export(tmp_path)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
    assert {
        "ledger.jsonl",
        "checkpoint.json",
        "checkpoints.jsonl",
        "ledger-public-key.pem",
        "verify_inspection.py",
        "manifest.json",
        "README.txt",
    } <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["entries"]["last_seq"] == events[-1].seq
    assert manifest["checkpoint"]["tree_size"] == events[-1].seq
    assert (folder / "ledger-public-key.pem").read_bytes() == keys.public_key_pem()
    assert manifest["wads"]["included"] == 0
    last = json.loads(read_lines(folder)[-1])
    assert last["entry_hash"] == events[-1].entry_hash and last["payload"] == events[-1].payload
    assert summary.startswith("wrote ")


def test_an_untouched_export_verifies(events, tmp_path):
    out, folder, _ = make_export(tmp_path)
    ok, line = check(out)
    assert ok, line
    assert line.startswith(f"ledger intact: {events[-1].seq} entries")
    assert check(folder)[0]


def test_an_edited_payload_in_the_export_is_detected(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    lines = read_lines(folder)
    i = index_of(lines, events[2].seq)
    record = json.loads(lines[i])
    record["payload"] = '{"n":2,"reason":"edited"}'
    lines[i] = json.dumps(record) + "\n"
    write_lines(folder, lines)
    ok, line = check(folder)
    assert not ok and f"first bad sequence number {events[2].seq}: hash mismatch" in line


def test_a_removed_line_is_detected(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    lines = read_lines(folder)
    del lines[index_of(lines, events[1].seq)]
    write_lines(folder, lines)
    ok, line = check(folder)
    assert not ok and f"first bad sequence number {events[1].seq}: gap" in line


def test_removed_last_lines_are_detected_by_the_signed_checkpoint(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    write_lines(folder, read_lines(folder)[:-2])
    ok, line = check(folder)
    assert not ok and f"first bad sequence number {events[-2].seq}: entries removed" in line


def test_an_inserted_line_is_detected(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    lines = read_lines(folder)
    i = index_of(lines, events[2].seq)
    forged = json.loads(lines[i])
    forged.update(payload='{"reason":"inserted"}')
    forged["entry_hash"] = entry_hash(*[forged[k] for k in list(forged)[:9]])
    lines.insert(i, json.dumps(forged) + "\n")
    write_lines(folder, lines)
    ok, line = check(folder)
    assert not ok and f"first bad sequence number {events[2].seq}: " in line


def test_reordered_lines_are_detected(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    lines = read_lines(folder)
    a, b = index_of(lines, events[1].seq), index_of(lines, events[2].seq)
    lines[a], lines[b] = lines[b], lines[a]
    write_lines(folder, lines)
    ok, line = check(folder)
    assert not ok and f"first bad sequence number {events[1].seq}: " in line


def test_a_recomputed_chain_in_the_export_fails_the_signed_checkpoint(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    lines = read_lines(folder)
    start = index_of(lines, events[1].seq)
    prev = json.loads(lines[start - 1])["entry_hash"] if start else "0" * 64
    for i in range(start, len(lines)):
        record = json.loads(lines[i])
        if i == start:
            record["payload"] = '{"reason":"rewritten"}'
        record["prev_hash"] = prev
        record["entry_hash"] = entry_hash(*[record[k] for k in list(record)[:9]])
        prev = record["entry_hash"]
        lines[i] = json.dumps(record) + "\n"
    write_lines(folder, lines)
    ok, line = check(folder)
    assert not ok and "checkpoint mismatch" in line


def test_a_forged_checkpoint_in_the_export_is_detected(events, tmp_path):
    _, folder, _ = make_export(tmp_path)
    path = folder / "checkpoint.json"
    document = json.loads(path.read_text())
    document["tree_size"] -= 1
    path.write_text(json.dumps(document))
    ok, line = check(folder)
    assert not ok and "bad signature" in line


def test_a_checkpoint_resigned_with_a_substituted_key_fails_against_the_published_key(
    events, tmp_path
):
    """Replacing the key inside the export does not help: the inspector passes the key
    published on the transparency site."""
    _, folder, _ = make_export(tmp_path)
    published = tmp_path / "published-key.pem"
    published.write_bytes(keys.public_key_pem())
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes_raw()
    for name in ("checkpoint.json",):
        document = json.loads((folder / name).read_text())
        message = checkpoint_message(
            document["tree_size"], document["head_hash"], document["signed_at"]
        )
        document.update(
            public_key=base64.b64encode(raw).decode(),
            key_id=key_id_for(raw),
            signature=base64.b64encode(other.sign(message)).decode(),
        )
        (folder / name).write_text(json.dumps(document))
    ok, line = check(folder, public_key_file=published)
    assert not ok and "not the ledger's published key" in line


def test_a_saved_checkpoint_is_checked_against_the_export(events, tmp_path):
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(checkpoint.as_document()))
    LedgerEventFactory()
    _, folder, _ = make_export(tmp_path)
    assert check(folder, checkpoint_file=saved)[0]
    lines = read_lines(folder)
    i = index_of(lines, events[0].seq)
    record = json.loads(lines[i])
    record["role"] = "administrator"
    lines[i] = json.dumps(record) + "\n"
    write_lines(folder, lines)
    ok, line = check(folder, checkpoint_file=saved)
    assert not ok and f"first bad sequence number {events[0].seq}" in line


def test_an_export_since_a_date_is_anchored_and_verifies(tmp_path, monkeypatch):
    old = datetime(2020, 1, 1, 12, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: old)
    LedgerEventFactory()
    monkeypatch.undo()
    recent = LedgerEventFactory.create_batch(2)
    out, folder, _ = make_export(tmp_path, "--since", "2021-01-01")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["entries"]["first_seq"] == recent[0].seq
    assert manifest["entries"]["anchor_hash"] == recent[0].prev_hash
    ok, line = check(out)
    assert ok and "anchored at the hash of entry" in line


def test_every_wad_pdf_is_included_and_checked_against_its_stored_sha256(
    authorised, superintendent, tmp_path
):
    from authority import services

    services.cancel_authority(
        application=authorised, by=superintendent, reasons="Done.", report="Two arrests."
    )
    documents = list(authorised.documents.order_by("version"))
    out, folder, summary = make_export(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["wads"]["included"] == 2 and manifest["wads"]["mismatches"] == 0
    assert all(item["matches_stored_sha256"] for item in manifest["wads"]["files"])
    second = folder / f"wad/application-{authorised.pk}/v2.pdf"
    assert second.read_bytes() == bytes(documents[1].content)
    assert "2 WAD PDFs" in summary
    ok, line = check(out)
    assert ok and "2 WAD files match" in line

    (folder / f"wad/application-{authorised.pk}/v1.pdf").write_bytes(b"%PDF-1.7 altered")
    ok, line = check(folder)
    assert not ok and f"wad/application-{authorised.pk}/v1.pdf does not match" in line


def test_a_wad_whose_bytes_differ_from_its_stored_hash_is_flagged(authorised, tmp_path):
    from authority.models import WrittenAuthorityDocument

    WrittenAuthorityDocument.objects.filter(application=authorised).update(sha256="0" * 64)
    out, _, _ = make_export(tmp_path)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["wads"]["mismatches"] == 1
    assert not check(out)[0]


def test_the_verifier_needs_only_the_standard_library_and_cryptography():
    source = export_module.VERIFIER_SOURCE.read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_the_exported_verifier_runs_standalone_and_exits_non_zero_on_tampering(events, tmp_path):
    out, folder, _ = make_export(tmp_path)
    script = folder / "verify_inspection.py"

    def run(target):
        return subprocess.run(
            [sys.executable, "-I", str(script), str(target)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    intact = run(out)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.startswith("ledger intact:")
    lines = read_lines(folder)
    del lines[index_of(lines, events[3].seq)]
    write_lines(folder, lines)
    broken = run(folder)
    assert broken.returncode == 1
    assert f"first bad sequence number {events[3].seq}: gap" in broken.stderr
