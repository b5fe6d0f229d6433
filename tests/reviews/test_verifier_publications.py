"""Published deployments in the inspection export: each public PDF is shipped and checked
against the pdf_sha256 on the ledger, and an export since a date still recomputes every
publication in it (or says plainly which it could not)."""

import json
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from oversight.models import LedgerEntry
from oversight.offline_verifier import main, verify_export, verify_export_report
from reviews.services.publication import publish_deployment_results
from tests.reviews.test_publication import approved, published, publisher  # noqa: F401

pytestmark = pytest.mark.django_db


def export(tmp_path, *args):
    out = tmp_path / "inspection.zip"
    call_command("export_inspection", "--out", str(out), *args, stdout=StringIO())
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    return out, folder


def manifest_of(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def trim(folder, first: int) -> None:
    """Cut the unpacked export down to seq first.. as an export of a later date would be: the
    chain is anchored at the hash entry first - 1 had, and the manifest says so."""
    lines = (folder / "ledger.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if json.loads(line)["seq"] >= first]
    (folder / "ledger.jsonl").write_text("".join(kept), encoding="utf-8")
    manifest = manifest_of(folder)
    manifest["entries"].update(
        first_seq=first, count=len(kept), anchor_hash=json.loads(kept[0])["prev_hash"]
    )
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_each_public_deployment_pdf_is_exported_and_checked(published, tmp_path):  # noqa: F811
    out, folder = export(tmp_path)
    files = manifest_of(folder)["publication_pdfs"]["files"]
    assert [f["path"] for f in files] == [f"publications/{published.reference}.pdf"]
    assert (folder / files[0]["path"]).read_bytes() == bytes(published.pdf)
    ok, line = verify_export(out)
    assert ok, line
    assert "1 publication PDFs match their publication's pdf_sha256" in line


def test_a_publication_pdf_replaced_in_the_export_is_named(published, tmp_path):  # noqa: F811
    _, folder = export(tmp_path)
    path = folder / f"publications/{published.reference}.pdf"
    path.write_bytes(b"%PDF-1.7 other figures")
    ok, line = verify_export(folder)
    assert not ok
    assert f"publication PDF publications/{published.reference}.pdf does not match" in line
    assert "the pdf_sha256 its publication put on the ledger" in line


def test_an_export_since_the_publication_reaches_back_to_its_run(
    approved,  # noqa: F811
    publisher,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    publication = publish_deployment_results(deployment=approved.deployment, by=publisher)
    out, folder = export(tmp_path, "--since", (later.date() - timedelta(days=1)).isoformat())
    entries = manifest_of(folder)["entries"]
    published_at = LedgerEntry.objects.get(action="publication.results_published").seq
    planned = LedgerEntry.objects.get(action="deployment.planned").seq
    signed_off = LedgerEntry.objects.filter(action="watchlist.signed_off").last().seq
    assert entries["since_first_seq"] == published_at
    assert entries["first_seq"] == min(planned, signed_off) > 1
    assert entries["publication_runs"][0]["reference"] == publication.reference
    ok, line = verify_export(out)
    assert ok, line
    assert "anchored at the hash of entry" in line
    assert "every figure of 1 published deployments recomputed from the ledger" in line
    assert "NOT checked" not in line


def test_a_publication_whose_run_began_before_the_export_is_reported_not_checked(
    published,  # noqa: F811
    tmp_path,
    capsys,
):
    _, folder = export(tmp_path)
    needs = manifest_of(folder)["entries"]["publication_runs"][0]
    trim(folder, needs["needs_from_seq"] + 1)
    report = verify_export_report(folder)
    assert report.ok, report.line
    assert "1 published deployments NOT checked" in report.line
    assert "every figure of" not in report.line
    [note] = report.not_checked
    assert note.startswith(f"publication {published.reference} (seq {needs['seq']}): not checked")
    assert f"the ledger from seq {needs['needs_from_seq']}" in note
    assert f"before this export's first entry {needs['needs_from_seq'] + 1}" in note
    assert f"request an export since {needs['needs_from_date']}" in note
    assert needs["needs_from_date"] == published.deployment.created_at.date().isoformat()
    assert main([str(folder)]) == 0
    assert capsys.readouterr().out.splitlines() == [report.line, note]


def test_a_trimmed_export_cannot_claim_a_run_it_lacks(published, tmp_path):  # noqa: F811
    """A manifest that says a publication needs nothing before the export's start, when it
    does, makes the recomputation fail loudly; it never passes the figures unchecked."""
    _, folder = export(tmp_path)
    needs = manifest_of(folder)["entries"]["publication_runs"][0]
    first = needs["needs_from_seq"] + 1
    trim(folder, first)
    manifest = manifest_of(folder)
    manifest["entries"]["publication_runs"][0]["needs_from_seq"] = first
    (folder / "manifest.json").write_text(json.dumps(manifest))
    ok, line = verify_export(folder)
    assert not ok and f"publication {published.reference}" in line
