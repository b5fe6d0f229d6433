"""The inspection export: everything an oversight body needs to check the record offline.

A zip holding:

- ``ledger.jsonl``: one entry per line, every field exactly as hashed (the payload as its
  canonical JSON text);
- ``checkpoint.json``: the latest signed checkpoint (one is signed now if the ledger grew since
  the last); ``checkpoints.jsonl``: every stored checkpoint;
- ``ledger-public-key.pem``: the key the checkpoints verify with (compare it with the one
  published at /transparency/ledger-key.pem);
- ``wad/…``: every Written Authority Document PDF (stored in the database with its decision),
  each checked against its stored sha256; likewise every document another app registers
  (``oversight.documents``): review PDFs, published records and the public deployment PDFs;
- ``verify_inspection.py``: the standalone verifier (stdlib + ``cryptography``);
- ``manifest.json`` and ``README.txt``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import connection
from django.utils import timezone

from oversight import keys
from oversight.canonical import format_time
from oversight.checkpoints import create_checkpoint
from oversight.documents import DocumentSource, document_sources
from oversight.models import LedgerCheckpoint, LedgerEntry
from oversight.offline_verifier import GENESIS_HASH, PUBLICATION_ACTION, ROW_FIELDS, SIGN_OFF_ACTION
from oversight.schema import SELECT_FIRST_SEQ_SINCE, SELECT_HASH_AT
from oversight.selectors import run_first_seq
from oversight.verification import iter_rows

EXPORT_FORMAT = "wa-inspection-export-v1"
VERIFIER_SOURCE = Path(__file__).with_name("offline_verifier.py")
BATCH_SIZE = 20_000

README = """Written Authority: inspection export
=====================================

ledger.jsonl           the ledger, one entry per line, each field exactly as hashed
checkpoint.json        the latest signed checkpoint (Ed25519 over tree size and head hash)
checkpoints.jsonl      every signed checkpoint held by the platform
ledger-public-key.pem  the public key the checkpoints verify with
wad/                   the Written Authority Document PDFs (see manifest.json for their sha256)
reviews/               the approved review PDFs
publications/          each published deployment: its record (.json) and its public PDF (.pdf)
verify_inspection.py   the verifier: needs Python 3.11+ and the `cryptography` package only

Check it offline:

    python -m pip install cryptography
    python verify_inspection.py THIS_FILE.zip --public-key KEY_FROM_THE_TRANSPARENCY_SITE.pem
    python verify_inspection.py THIS_FILE.zip --checkpoint A_CHECKPOINT_YOU_SAVED_EARLIER.json

It prints one line and exits 0 when the chain, every checkpoint and every document check out;
otherwise it exits 1 naming the first bad sequence number (or the document) and what is wrong.
The exact bytes each hash covers are described at the top of verify_inspection.py.

An export "since" a date starts earlier where a publication in it needs it: at the first entry
of that deployment's run, or its watchlist's sign-off, whichever is earlier. A hash chain proves
an entry only together with every entry after it up to a signed checkpoint, so the export stays
one unbroken span and every figure in it can be recomputed. A publication whose run still began
before the export's first entry (one published before the date asked for, brought in by that
extension) is listed as "not checked", with the date to ask an export from to check it.
"""


@dataclass
class ExportSummary:
    path: Path
    entries: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    since_first_seq: int | None = None  # where ``since`` alone would have started
    checkpoint_tree_size: int = 0
    documents_included: dict[str, int] = field(default_factory=dict)  # label -> count
    document_mismatches: list[str] = field(default_factory=list)

    def line(self) -> str:
        span = f" (seq {self.first_seq}..{self.last_seq})" if self.entries else ""
        if self.entries and self.since_first_seq not in (None, self.first_seq):
            span += f", from before seq {self.since_first_seq} for publications' runs"
        counts = "".join(f", {n} {label}" for label, n in self.documents_included.items())
        text = (
            f"wrote {self.path}: {self.entries} ledger entries{span}, checkpoint of "
            f"{self.checkpoint_tree_size} entries{counts}"
        )
        if self.document_mismatches:
            text += f"; {len(self.document_mismatches)} documents do not match their stored sha256"
        return text


def write_inspection_export(out: Path, *, since: date | None = None) -> ExportSummary:
    checkpoint, _ = create_checkpoint(only_if_moved=True)
    summary = ExportSummary(path=out, checkpoint_tree_size=checkpoint.tree_size)
    since_text = (
        format_time(datetime(since.year, since.month, since.day, tzinfo=UTC)) if since else None
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        ledger_digest, anchor, runs = _write_ledger(
            archive, summary, upto=checkpoint.tree_size, since_text=since_text
        )
        archive.writestr("checkpoint.json", json.dumps(checkpoint.as_document(), indent=2) + "\n")
        stored = LedgerCheckpoint.objects.filter(tree_size__lte=checkpoint.tree_size).order_by(
            "tree_size", "id"
        )
        archive.writestr(
            "checkpoints.jsonl",
            "".join(json.dumps(c.as_document(), sort_keys=True) + "\n" for c in stored),
        )
        public_pem = keys.public_key_pem()
        archive.writestr("ledger-public-key.pem", public_pem)
        documents = {
            source.key: _write_documents(archive, summary, source, since=since)
            for source in document_sources()
        }
        archive.write(VERIFIER_SOURCE, "verify_inspection.py")
        archive.writestr("README.txt", README)
        manifest = {
            "format": EXPORT_FORMAT,
            "generated_at": format_time(timezone.now()),
            "since": since.isoformat() if since else None,
            "entries": {
                "file": "ledger.jsonl",
                "count": summary.entries,
                "first_seq": summary.first_seq,
                "last_seq": summary.last_seq,
                "anchor_hash": anchor,
                "since_first_seq": summary.since_first_seq,
                "sha256": ledger_digest,
                "fields": list(ROW_FIELDS),
                # Where each publication's figures need the ledger from (see README): the
                # verifier checks one only if the export holds every entry from that seq on.
                "publication_runs": runs,
            },
            "checkpoint": {"file": "checkpoint.json", "tree_size": checkpoint.tree_size},
            "public_key": {
                "file": "ledger-public-key.pem",
                "key_id": keys.key_id(),
                "sha256": hashlib.sha256(public_pem).hexdigest(),
            },
            **documents,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return summary


def _write_ledger(archive, summary: ExportSummary, *, upto: int, since_text: str | None):
    """Stream entries 1..upto (from the first on or after ``since``, or earlier where a
    publication's run needs it) into ledger.jsonl.

    Only entries covered by the export's checkpoint are included, so everything exported is
    signed. Returns (sha256 of ledger.jsonl, the hash the first exported entry follows, the
    publications' runs)."""
    digest = hashlib.sha256()
    start = 1
    with connection.cursor() as cursor:
        if since_text is not None:
            cursor.execute(SELECT_FIRST_SEQ_SINCE, [since_text])
            start = cursor.fetchone()[0] or upto + 1
    summary.since_first_seq = start
    runs = publication_runs(start, upto)
    if start > 1:
        # Reach back to the earliest entry the window's publications need; those published in
        # the span this adds are listed too (the verifier reports them as not checked).
        reach = min([start, *(run["needs_from_seq"] for run in runs)])
        if reach < start:
            runs = publication_runs(reach, start - 1) + runs
        start = reach
    anchor = GENESIS_HASH
    if start > 1:
        with connection.cursor() as cursor:
            cursor.execute(SELECT_HASH_AT, [start - 1])
            row = cursor.fetchone()
            anchor = row[0] if row else GENESIS_HASH
    with archive.open("ledger.jsonl", "w", force_zip64=True) as handle:
        for rows in iter_rows(after=start - 1, upto=upto, batch_size=BATCH_SIZE):
            chunk = "".join(
                json.dumps(dict(zip(ROW_FIELDS, row, strict=True)), ensure_ascii=False) + "\n"
                for row in rows
            ).encode()
            digest.update(chunk)
            handle.write(chunk)
            if summary.first_seq is None:
                summary.first_seq = rows[0][0]
            summary.last_seq = rows[-1][0]
            summary.entries += len(rows)
    if summary.first_seq is None:
        summary.first_seq = start
    return digest.hexdigest(), anchor, runs


def publication_runs(first: int, upto: int) -> list[dict]:
    """Each results publication recorded in first..upto, and the earliest entry its figures
    are recomputed from: its run's first entry or its watchlist version's sign-off."""
    runs = []
    publications = LedgerEntry.objects.filter(
        action=PUBLICATION_ACTION, seq__gte=first, seq__lte=upto
    ).order_by("seq")
    for entry in publications.iterator(chunk_size=200):
        data = entry.data
        needs = [entry.seq]
        if data.get("run_id"):
            needs.append(run_first_seq(str(data["run_id"]), upto_seq=entry.seq) or entry.seq)
        signed_off = _signed_off_seq(
            str(data.get("watchlist_id")), data.get("watchlist_version"), before=entry.seq
        )
        if signed_off is not None:
            needs.append(signed_off)
        needs_from = min(needs)
        at = LedgerEntry.objects.filter(seq=needs_from).values_list("recorded_at", flat=True)
        runs.append(
            {
                "reference": data.get("reference", ""),
                "seq": entry.seq,
                "needs_from_seq": needs_from,
                "needs_from_date": (at.first() or "")[:10],
            }
        )
    return runs


def _signed_off_seq(watchlist_id: str, version, *, before: int) -> int | None:
    signed_off = LedgerEntry.objects.filter(
        action=SIGN_OFF_ACTION,
        object_type="watchlists.watchlist",
        object_id=watchlist_id,
        seq__lt=before,
    ).order_by("-seq")
    for entry in signed_off.iterator(chunk_size=50):
        if int(entry.data.get("version") or 0) == int(version or 0):
            return entry.seq
    return None


def _write_documents(
    archive, summary: ExportSummary, source: DocumentSource, *, since: date | None
) -> dict:
    files = []
    mismatches = 0
    for document in source.documents(since):
        archive.writestr(document.path, document.content)
        actual = hashlib.sha256(document.content).hexdigest()
        matches = actual == document.stored_sha256
        if not matches:
            mismatches += 1
            summary.document_mismatches.append(document.path)
        files.append(
            {
                "path": document.path,
                **document.meta,
                "issued_at": format_time(document.issued_at),
                "stored_sha256": document.stored_sha256,
                "sha256": actual,
                "matches_stored_sha256": matches,
            }
        )
    summary.documents_included[source.label] = len(files)
    return {
        "model": source.model,
        "included": len(files),
        "mismatches": mismatches,
        "files": files,
    }
