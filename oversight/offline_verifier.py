#!/usr/bin/env python3
"""Verify a Written Authority ledger offline: the hash chain and its signed checkpoints.

This one file is both the platform's own hashing code and the standalone verifier shipped in
every inspection export (as ``verify_inspection.py``). It needs only the Python standard library
and the ``cryptography`` package, so an inspector can run it on a machine of their own:

    python verify_inspection.py inspection.zip
    python verify_inspection.py inspection.zip --checkpoint saved-checkpoint.json
    python verify_inspection.py inspection.zip --public-key key-from-the-transparency-site.pem

It exits 0 with one line when everything checks, and 1 with one line naming the first bad
sequence number (and what is wrong) when anything was changed, removed, inserted or reordered.
Each publication it could not check (see below) follows on a line of its own.

Entry hash, byte for byte
-------------------------
Each entry's hash is SHA-256 over the UTF-8 bytes of these ten fields joined by one line feed
(0x0A), with no line feed after the last one:

    1  the constant   wa-ledger-entry-v1
    2  seq            decimal, no sign, no leading zeros: 1, 2, 3 ... (gapless)
    3  recorded_at    UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (always six fraction digits)
    4  actor_id       the acting user's id in decimal; empty for the system
    5  role           the role acted in ("authorising_officer"), the actor's roles sorted and
                      joined by commas, or "system"
    6  action         <entity>.<past tense>, e.g. application.authorised
    7  object_type    <app_label>.<model>, e.g. authority.application
    8  object_id      the object's id as text
    9  payload        canonical JSON (see below), exactly as stored
    10 prev_hash      the previous entry's hash; 64 zeros for seq 1

The hash is written as 64 lowercase hexadecimal digits. No field may contain a line feed (or
any other control character): canonical JSON escapes them and the platform refuses them
elsewhere, so exactly nine line feeds separate the ten fields and the layout is unambiguous.

Canonical JSON (the payload): an object; keys sorted by Unicode code point; no whitespace;
UTF-8 without \\u escapes for non-ASCII text (ensure_ascii=False); integers as integers; finite
floats in their shortest round-trip form (Python's repr: 0.64, 1e-05); no NaN or Infinity;
datetimes as UTC text like recorded_at; dates as YYYY-MM-DD; decimals and UUIDs as strings.
The verifier never re-encodes a payload: it hashes the stored text.

Checkpoint, byte for byte
-------------------------
A checkpoint is an Ed25519 signature over the UTF-8 bytes of

    wa-ledger-checkpoint-v1 LF tree_size LF head_hash LF signed_at

where tree_size is the number of entries covered (decimal), head_hash the hash of entry
``tree_size`` (64 zeros when it is 0) and signed_at a UTC time as above. A checkpoint file is
JSON: {"format": "wa-ledger-checkpoint-v1", "tree_size", "head_hash", "signed_at",
"key_id", "public_key" (raw 32-byte key, base64), "signature" (64 bytes, base64)}; key_id is the
first 16 hex digits of SHA-256 over the raw public key. Verify the public key against the one
the platform publishes at /transparency/ledger-key.pem, or pass that file with --public-key.

An entry appended after the last checkpoint is protected by the chain only against changes by
someone who cannot recompute hashes; a signed checkpoint is what fixes the history up to it.

Published figures, figure by figure
-----------------------------------
Each ``publication.results_published`` entry carries the published figures of one deployment
(its run id, watchlist id and version). Once the chain verifies, every figure is recomputed
from the ledger's own events: watchlist size from ``watchlist.signed_off`` (entry_count, for
that watchlist and version); faces processed as the sum of ``new_faces_count`` of the run's
``deployment.faces_seen``; alerts as the run's ``alert.raised``; false alerts as alerts
adjudicated ``no_match`` (``alert.adjudicated``) or decided ``false_alert_not_engaged`` /
``false_alert_found_on_engagement`` (``alert.engagement_decided``); engagements as alerts
decided engaged with ``true_alert_engaged`` or ``false_alert_found_on_engagement``; arrests as
those engagements whose result is ``arrest``; both false alert rates as percentages to two
significant figures (half up). The published record shipped in the export
(``publications/<reference>.json``, canonical JSON) must hash to the entry's record_sha256,
and each of its figures must equal the recomputed one; the first that does not is named. Each
approved review PDF must hash to the pdf_sha256 of its ``review.approved`` entry, and each
public deployment PDF (``publications/<reference>.pdf``) to the pdf_sha256 of its
``publication.results_published`` entry. (The yearly PDF is not shipped: it is rendered on
demand from the published records, so its figures are theirs, which are checked here.)

An export since a date starts after entry 1. Its manifest lists, per publication, the first
entry its figures need (``entries.publication_runs``: its run's first entry or its watchlist's
sign-off). The figures are recomputed only when the export holds every entry from that one on:
entries cut out of the chain would prove nothing, since an entry is proven only by the unbroken
chain after it up to a signed checkpoint. Any other publication is reported, by name, as not
checked, with the date to ask an export from; the summary line counts them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ENTRY_DOMAIN = "wa-ledger-entry-v1"
CHECKPOINT_DOMAIN = "wa-ledger-checkpoint-v1"
GENESIS_HASH = "0" * 64
PUBLICATION_ACTION = "publication.results_published"
SIGN_OFF_ACTION = "watchlist.signed_off"
FIELD_SEPARATORS = 9  # ten fields, nine line feeds

# Row layout shared by the database reader, the export and this verifier.
ROW_FIELDS = (
    "seq",
    "recorded_at",
    "actor_id",
    "role",
    "action",
    "object_type",
    "object_id",
    "payload",
    "prev_hash",
    "entry_hash",
)


def entry_text(
    seq: int,
    recorded_at: str,
    actor_id: int | None,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: str,
    prev_hash: str,
) -> str:
    """The text whose UTF-8 bytes an entry's hash covers (see the module docstring)."""
    actor = "" if actor_id is None else str(actor_id)
    return (
        f"{ENTRY_DOMAIN}\n{seq}\n{recorded_at}\n{actor}\n{role}\n{action}\n"
        f"{object_type}\n{object_id}\n{payload}\n{prev_hash}"
    )


def entry_hash(
    seq: int,
    recorded_at: str,
    actor_id: int | None,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: str,
    prev_hash: str,
) -> str:
    text = entry_text(
        seq, recorded_at, actor_id, role, action, object_type, object_id, payload, prev_hash
    )
    if text.count("\n") != FIELD_SEPARATORS:
        raise ValueError("a ledger field contains a line feed")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checkpoint_message(tree_size: int, head_hash: str, signed_at: str) -> bytes:
    return f"{CHECKPOINT_DOMAIN}\n{tree_size}\n{head_hash}\n{signed_at}".encode()


def key_id_for(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong. ``seq`` is the first bad sequence number; when only a range
    is known (a re-chained history caught by a checkpoint) ``seq`` is its start and ``last``
    its end."""

    seq: int
    kind: str
    detail: str
    last: int | None = None

    def describe(self) -> str:
        if self.kind == "bad checkpoint":
            return f"bad checkpoint: {self.detail}"
        where = f"first bad sequence number {self.seq}"
        if self.last is not None and self.last != self.seq:
            where = f"first bad sequence number between {self.seq} and {self.last}"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class ChainResult:
    entries: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    head_hash: str = GENESIS_HASH
    problem: Problem | None = None
    hashes_at: dict[int, str] = field(default_factory=dict)


def verify_chain(
    batches: Iterable[Sequence[Sequence]],
    *,
    start_seq: int = 1,
    anchor_hash: str = GENESIS_HASH,
    want_hashes: Iterable[int] = (),
) -> ChainResult:
    """Recompute the chain over rows in ROW_FIELDS order, stopping at the first problem.

    ``batches`` yields lists of rows in seq order. ``start_seq`` and ``anchor_hash`` let a
    partial export be checked from its first entry; ``want_hashes`` names the sequence numbers
    whose hash the caller needs (to check checkpoints against), returned in ``hashes_at``.
    """
    want = set(want_hashes)
    result = ChainResult()
    if start_seq - 1 in want:
        result.hashes_at[start_seq - 1] = anchor_hash
    expected = start_seq
    last_hash = anchor_hash
    count = 0
    sha256 = hashlib.sha256
    domain = ENTRY_DOMAIN
    for rows in batches:
        for seq, recorded_at, actor_id, role, action, otype, oid, payload, prev, stored in rows:
            if seq != expected:
                result.problem = _sequence_problem(seq, expected)
                break
            if prev != last_hash:
                result.problem = Problem(
                    seq,
                    "broken link",
                    f"its previous hash {_short(prev)} is not the hash of entry {seq - 1} "
                    f"({_short(last_hash)})",
                )
                break
            actor = "" if actor_id is None else actor_id
            text = (
                f"{domain}\n{seq}\n{recorded_at}\n{actor}\n{role}\n{action}\n"
                f"{otype}\n{oid}\n{payload}\n{prev}"
            )
            if text.count("\n") != FIELD_SEPARATORS:
                result.problem = Problem(seq, "malformed", "a field contains a line feed")
                break
            if sha256(text.encode()).hexdigest() != stored:
                result.problem = Problem(
                    seq,
                    "hash mismatch",
                    "the entry's content was changed, or an entry was inserted or moved here",
                )
                break
            if seq in want:
                result.hashes_at[seq] = stored
            last_hash = stored
            expected = seq + 1
            count += 1
        if result.problem is not None:
            break
    result.entries = count
    if count:
        result.first_seq = start_seq
        result.last_seq = expected - 1
    result.head_hash = last_hash
    return result


def _sequence_problem(found: int, expected: int) -> Problem:
    if found > expected:
        missing = f"{expected}" if found == expected + 1 else f"{expected} to {found - 1}"
        return Problem(
            expected,
            "gap",
            f"entry {missing} is missing or out of place (the next entry is seq {found})",
        )
    return Problem(
        found,
        "out of order",
        f"seq {found} appears where seq {expected} was expected "
        "(an entry was inserted, duplicated or reordered)",
    )


def _short(value: str) -> str:
    return f"{value[:12]}…" if len(value) > 12 else value


# --- checkpoints -------------------------------------------------------------------------


def load_public_key(data: bytes):
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or the raw 32 bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(stripped)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key is not an Ed25519 key")
        return key
    if len(data) == 32:
        return Ed25519PublicKey.from_public_bytes(data)
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(stripped, validate=True))


def raw_public_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def parse_checkpoint(data: dict) -> dict:
    """Check a checkpoint's shape; return it with typed fields. Raises ValueError."""
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_DOMAIN:
        raise ValueError(f"not a {CHECKPOINT_DOMAIN} checkpoint")
    try:
        tree_size = data["tree_size"]
        head_hash = data["head_hash"]
        signed_at = data["signed_at"]
        signature = base64.b64decode(data["signature"], validate=True)
        public_key = base64.b64decode(data["public_key"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the checkpoint is incomplete or malformed ({exc})") from None
    if type(tree_size) is not int or tree_size < 0:
        raise ValueError("the checkpoint's tree_size is not a non-negative integer")
    if not isinstance(head_hash, str) or len(head_hash) != 64:
        raise ValueError("the checkpoint's head_hash is not 64 hexadecimal digits")
    if not isinstance(signed_at, str) or "\n" in signed_at:
        raise ValueError("the checkpoint's signed_at is malformed")
    return {
        **data,
        "tree_size": tree_size,
        "head_hash": head_hash,
        "signed_at": signed_at,
        "signature_bytes": signature,
        "public_key_bytes": public_key,
    }


def checkpoint_signature_problem(checkpoint: dict, trusted_raw_key: bytes) -> str | None:
    """None when ``checkpoint`` (parsed) is signed by the trusted key; else what is wrong."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if checkpoint["public_key_bytes"] != trusted_raw_key:
        return (
            f"bad signature: signed with key {key_id_for(checkpoint['public_key_bytes'])}, "
            f"not the ledger's published key {key_id_for(trusted_raw_key)}"
        )
    message = checkpoint_message(
        checkpoint["tree_size"], checkpoint["head_hash"], checkpoint["signed_at"]
    )
    try:
        Ed25519PublicKey.from_public_bytes(trusted_raw_key).verify(
            checkpoint["signature_bytes"], message
        )
    except InvalidSignature:
        return "bad signature: the checkpoint was altered or forged"
    return None


def check_checkpoints(
    checkpoints: Sequence[dict],
    chain: ChainResult,
    trusted_raw_key: bytes,
    *,
    label: str = "checkpoint",
    covered_from: int = 0,
) -> Problem | None:
    """Check parsed checkpoints (sorted by tree_size) against a verified chain.

    Each must carry a good signature and name the hash the chain has at its tree size. A
    checkpoint beyond the chain's end means entries were removed. Checkpoints below
    ``covered_from`` (a partial export's anchor) cannot be checked and are skipped.
    """
    last_good = covered_from
    chain_end = chain.last_seq if chain.last_seq is not None else covered_from
    for checkpoint in checkpoints:
        size = checkpoint["tree_size"]
        name = checkpoint.get("_label", label)
        if size < covered_from:
            continue
        bad_signature = checkpoint_signature_problem(checkpoint, trusted_raw_key)
        if bad_signature:
            return Problem(
                max(size, 1), "bad checkpoint", f"{name} (tree size {size}): {bad_signature}"
            )
        if size > chain_end:
            if chain.problem is not None and chain.problem.seq <= size:
                return None  # the chain's own problem comes first
            return Problem(
                chain_end + 1,
                "entries removed",
                f"{name} signed at {checkpoint['signed_at']} covers {size} entries but the "
                f"ledger holds only {chain_end}",
            )
        actual = chain.hashes_at.get(size)
        if actual is None:
            continue
        if actual != checkpoint["head_hash"]:
            return Problem(
                last_good + 1,
                "checkpoint mismatch",
                f"{name} signed at {checkpoint['signed_at']} attests hash "
                f"{_short(checkpoint['head_hash'])} for entry {size}, the ledger has "
                f"{_short(actual)}: an entry up to seq {size} was changed, inserted or removed "
                "and the chain recomputed",
                last=size,
            )
        last_good = size
    return None


# --- the export ------------------------------------------------------------------------


class Export:
    """An inspection export, read from a .zip file or an unpacked folder."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self._zip = zipfile.ZipFile(location) if location.is_file() else None

    def exists(self, name: str) -> bool:
        if self._zip is not None:
            return name in self._zip.namelist()
        return (self.location / name).is_file()

    def read(self, name: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(name)
        return (self.location / name).read_bytes()

    def lines(self, name: str) -> Iterator[str]:
        if self._zip is not None:
            with self._zip.open(name) as raw:
                yield from io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        else:
            with open(self.location / name, encoding="utf-8", newline="\n") as handle:
                yield from handle


def _export_rows(export: Export, name: str, batch: int = 10_000) -> Iterator[list[tuple]]:
    rows: list[tuple] = []
    for number, line in enumerate(export.lines(name), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            row = tuple(record[f] for f in ROW_FIELDS)
        except (ValueError, KeyError, TypeError) as exc:
            raise ExportError(f"{name} line {number} is not a ledger entry ({exc})") from None
        rows.append(row)
        if len(rows) >= batch:
            yield rows
            rows = []
    if rows:
        yield rows


class ExportError(Exception):
    pass


def verify_export(
    location: Path,
    *,
    public_key_file: Path | None = None,
    checkpoint_file: Path | None = None,
) -> tuple[bool, str]:
    """Verify an export; return (intact, one line)."""
    report = verify_export_report(
        location, public_key_file=public_key_file, checkpoint_file=checkpoint_file
    )
    return report.ok, report.line


@dataclass
class Report:
    ok: bool
    line: str
    not_checked: list[str] = field(default_factory=list)  # one line per publication


def verify_export_report(
    location: Path,
    *,
    public_key_file: Path | None = None,
    checkpoint_file: Path | None = None,
) -> Report:
    """Verify an export: intact or not, one line, and the publications it could not check."""
    ok, line, not_checked = _verify(location, public_key_file, checkpoint_file)
    return Report(ok, line, not_checked)


def _verify(location: Path, public_key_file: Path | None, checkpoint_file: Path | None):
    export = Export(location)
    manifest = json.loads(export.read("manifest.json"))
    key_bytes = (
        public_key_file.read_bytes() if public_key_file else export.read("ledger-public-key.pem")
    )
    trusted = raw_public_key(load_public_key(key_bytes))

    first = manifest.get("entries", {}).get("first_seq") or 1
    anchor = manifest.get("entries", {}).get("anchor_hash") or GENESIS_HASH
    if first == 1 and anchor != GENESIS_HASH:
        return False, "first bad sequence number 1: broken link: entry 1 must follow 64 zeros", []

    checkpoints: list[dict] = []
    if export.exists("checkpoints.jsonl"):
        for number, line in enumerate(export.lines("checkpoints.jsonl"), start=1):
            if line.strip():
                parsed = parse_checkpoint(json.loads(line))
                parsed["_label"] = f"stored checkpoint {number}"
                checkpoints.append(parsed)
    latest = parse_checkpoint(json.loads(export.read("checkpoint.json")))
    latest["_label"] = "the export's checkpoint.json"
    if all(_signed_fields(c) != _signed_fields(latest) for c in checkpoints):
        checkpoints.append(latest)
    saved = None
    if checkpoint_file is not None:
        saved = parse_checkpoint(json.loads(checkpoint_file.read_bytes()))
        saved["_label"] = f"checkpoint file {checkpoint_file.name}"
        checkpoints.append(saved)
    checkpoints.sort(key=lambda c: c["tree_size"])

    chain = verify_chain(
        _export_rows(export, "ledger.jsonl"),
        start_seq=first,
        anchor_hash=anchor,
        want_hashes=[c["tree_size"] for c in checkpoints],
    )
    problem = check_checkpoints(checkpoints, chain, trusted, covered_from=first - 1)
    if chain.problem is not None and (problem is None or chain.problem.seq <= problem.seq):
        problem = chain.problem
    if problem is None and saved is not None and saved["tree_size"] < first - 1:
        return (
            False,
            f"checkpoint file {checkpoint_file.name} covers entries before this export "
            f"starts (seq {first}); ask for an export from an earlier date",
            [],
        )
    if problem is None:
        expected_count = manifest.get("entries", {}).get("count")
        if expected_count is not None and expected_count != chain.entries:
            end = (chain.last_seq or first - 1) + 1
            problem = Problem(
                end,
                "entries removed",
                f"the manifest lists {expected_count} entries, ledger.jsonl holds {chain.entries}",
            )
    if problem is not None:
        return False, f"ledger NOT intact: {problem.describe()}", []

    recorded = _recorded_pdf_hashes(export, manifest)
    document_problem = (
        _check_wads(export, manifest)
        or _check_review_pdfs(export, manifest, recorded.reviews)
        or _check_publication_pdfs(export, manifest, recorded.publications)
    )
    if document_problem:
        return False, document_problem, []
    checked, not_checked, figure_problem = check_published_figures(export, manifest, first=first)
    if figure_problem:
        return False, figure_problem, not_checked
    covered = latest["tree_size"]
    tail = (chain.last_seq or 0) - covered
    span = f"seq {first}..{chain.last_seq}" if chain.entries else "no entries"
    line = (
        f"ledger intact: {chain.entries} entries ({span}), head {_short(chain.head_hash)}; "
        f"{len(checkpoints)} signed checkpoints verified with key {key_id_for(trusted)}"
    )
    if first > 1:
        line += f"; anchored at the hash of entry {first - 1} (earlier entries not in the export)"
    if tail > 0:
        line += f"; the last {tail} entries are after the latest checkpoint"
    wads = manifest.get("wads", {}).get("files", [])
    if wads:
        line += f"; {len(wads)} WAD files match their recorded sha256"
    pdfs = manifest.get("publication_pdfs", {}).get("files", [])
    if pdfs:
        line += f"; {len(pdfs)} publication PDFs match their publication's pdf_sha256"
    if checked:
        line += f"; every figure of {checked} published deployments recomputed from the ledger"
    if not_checked:
        line += (
            f"; {len(not_checked)} published deployments NOT checked: their figures need "
            "entries before this export's first one"
        )
    return True, line, not_checked


def _signed_fields(checkpoint: dict) -> tuple:
    return tuple(
        checkpoint[k]
        for k in ("tree_size", "head_hash", "signed_at", "public_key_bytes", "signature_bytes")
    )


@dataclass
class _RecordedPdfHashes:
    reviews: dict[str, str] = field(default_factory=dict)  # review id -> pdf_sha256
    publications: dict[str, str] = field(default_factory=dict)  # reference -> pdf_sha256


def _recorded_pdf_hashes(export: Export, manifest: dict) -> _RecordedPdfHashes:
    """The pdf_sha256 each ``review.approved`` and ``publication.results_published`` entry
    recorded, in one pass over the ledger (none when the export ships no such PDF)."""
    recorded = _RecordedPdfHashes()
    if not (
        manifest.get("reviews", {}).get("files")
        or manifest.get("publication_pdfs", {}).get("files")
    ):
        return recorded
    for rows in _export_rows(export, "ledger.jsonl"):
        for row in rows:
            if row[4] == "review.approved" and row[5] == "reviews.review":
                recorded.reviews[row[6]] = json.loads(row[7]).get("pdf_sha256", "")
            elif row[4] == PUBLICATION_ACTION:
                data = json.loads(row[7])
                recorded.publications[str(data.get("reference", ""))] = data.get("pdf_sha256", "")
    return recorded


def _check_review_pdfs(export: Export, manifest: dict, approved: dict[str, str]) -> str | None:
    """Each approved review's PDF hashes to the pdf_sha256 its ``review.approved`` entry
    recorded (not only to the hash stored beside it, which could be rewritten with it)."""
    files = manifest.get("reviews", {}).get("files", [])
    if not files:
        return None
    for item in files:
        path = item.get("path")
        if not path or not export.exists(path):
            return f"review PDF {path} listed in the manifest is missing from the export"
        digest = hashlib.sha256(export.read(path)).hexdigest()
        recorded = approved.get(str(item.get("review_id")))
        if recorded is not None and digest != recorded:
            return (
                f"review PDF {path} does not match the pdf_sha256 its approval put on the "
                f"ledger ({_short(recorded)}); its bytes hash to {_short(digest)}"
            )
    return None


def _check_publication_pdfs(export: Export, manifest: dict, recorded: dict[str, str]) -> str | None:
    """Each public deployment PDF hashes to the pdf_sha256 its publication's ledger entry
    recorded; one whose entry is not in the export, to the sha256 stored beside it."""
    files = manifest.get("publication_pdfs", {}).get("files", [])
    if not files:
        return None
    for item in files:
        path = item.get("path")
        if not path or not export.exists(path):
            return f"publication PDF {path} listed in the manifest is missing from the export"
        digest = hashlib.sha256(export.read(path)).hexdigest()
        on_ledger = recorded.get(str(item.get("reference")))
        expected = on_ledger if on_ledger is not None else item.get("stored_sha256") or ""
        if digest != expected:
            against = (
                "the pdf_sha256 its publication put on the ledger"
                if on_ledger is not None
                else "the sha256 the platform recorded for it"
            )
            return (
                f"publication PDF {path} does not match {against} ({_short(expected)}); its "
                f"bytes hash to {_short(digest)}"
            )
    return None


def _check_wads(export: Export, manifest: dict) -> str | None:
    for item in manifest.get("wads", {}).get("files", []):
        path = item.get("path")
        if not path or not export.exists(path):
            return f"WAD file {path} listed in the manifest is missing from the export"
        digest = hashlib.sha256(export.read(path)).hexdigest()
        if digest != item.get("stored_sha256"):
            return (
                f"WAD file {path} does not match the sha256 the platform recorded for it "
                f"({_short(item.get('stored_sha256') or '')}); its bytes hash to {_short(digest)}"
            )
    return None


# --- published figures ----------------------------------------------------------------

FALSE_OUTCOMES = frozenset({"false_alert_not_engaged", "false_alert_found_on_engagement"})
ENGAGED_OUTCOMES = frozenset({"true_alert_engaged", "false_alert_found_on_engagement"})
COUNTED_FIGURES = (
    "watchlist_size",
    "faces_processed",
    "alerts",
    "false_alerts",
    "engagements",
    "arrests",
)
RATE_FIGURES = ("false_alert_rate_per_face_processed", "false_alert_rate_per_alert")


def percent(numerator: int, denominator: int) -> str:
    """numerator / denominator * 100 to two significant figures, rounded half up ("0.0083",
    "9.1", "0"); "" when the denominator is 0."""
    if not denominator:
        return ""
    value = Decimal(numerator) * 100 / Decimal(denominator)
    if value == 0:
        return "0"
    exponent = value.adjusted() - 1
    rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return f"{rounded:f}" if exponent < 0 else f"{rounded.normalize():f}"


@dataclass
class _Run:
    faces: int = 0
    alerts: dict = field(default_factory=dict)  # alert object id -> facts


def _figures_of(run: _Run, watchlist_size: int | None) -> dict:
    figures = dict.fromkeys(COUNTED_FIGURES, 0)
    figures["watchlist_size"] = watchlist_size
    figures["faces_processed"] = run.faces
    for facts in run.alerts.values():
        if not facts.get("raised"):
            continue
        figures["alerts"] += 1
        outcome = facts.get("outcome", "")
        if facts.get("no_match") or outcome in FALSE_OUTCOMES:
            figures["false_alerts"] += 1
        engaged = bool(facts.get("engaged")) and outcome in ENGAGED_OUTCOMES
        figures["engagements"] += engaged
        figures["arrests"] += engaged and facts.get("result") == "arrest"
    figures["false_alert_rate_per_face_processed"] = percent(
        figures["false_alerts"], figures["faces_processed"]
    )
    figures["false_alert_rate_per_alert"] = percent(figures["false_alerts"], figures["alerts"])
    return figures


def recompute_published_figures(batches: Iterable[list[tuple]]) -> list[dict]:
    """Each publication entry, with its figures as published and as recomputed from the
    events before it: [{"seq", "reference", "published", "recomputed", "record_sha256"}]."""
    runs: dict[str, _Run] = {}
    sizes: dict[tuple[str, int], int] = {}
    out = []
    for rows in batches:
        for seq, _at, _actor, _role, action, object_type, object_id, payload, *_ in rows:
            if not (
                action.startswith(("alert.", "publication."))
                or action in ("deployment.faces_seen", SIGN_OFF_ACTION)
            ):
                continue
            data = json.loads(payload)
            if action == SIGN_OFF_ACTION and object_type == "watchlists.watchlist":
                sizes[(object_id, int(data.get("version", 0)))] = int(data.get("entry_count", 0))
            elif action == PUBLICATION_ACTION:
                run = runs.get(data.get("run_id"), _Run())
                size = sizes.get(
                    (str(data.get("watchlist_id")), int(data.get("watchlist_version") or 0))
                )
                out.append(
                    {
                        "seq": seq,
                        "reference": data.get("reference", ""),
                        "published": data.get("figures", {}),
                        "recomputed": _figures_of(run, size),
                        "record_sha256": data.get("record_sha256", ""),
                    }
                )
            elif "run_id" in data:
                run = runs.setdefault(data["run_id"], _Run())
                if action == "deployment.faces_seen":
                    run.faces += int(data.get("new_faces_count", 0))
                elif object_type == "deployments.alert":
                    facts = run.alerts.setdefault(object_id, {})
                    if action == "alert.raised":
                        facts["raised"] = True
                    elif action == "alert.adjudicated":
                        facts["no_match"] = data.get("decision") == "no_match"
                    elif action == "alert.engagement_decided":
                        facts.update(
                            outcome=data.get("outcome", ""),
                            engaged=data.get("engaged"),
                            result=data.get("result", ""),
                        )
    return out


def check_published_figures(
    export: Export, manifest: dict, *, first: int = 1
) -> tuple[int, list[str], str | None]:
    """(publications checked, those not checked, the first problem or None). In an export that
    starts after entry 1 (at ``first``), a publication is checked only when the manifest's
    publication_runs says its figures need nothing before ``first``; any other is not checked,
    and said so plainly (never passed, never failed)."""
    records = {
        item.get("reference"): item.get("path")
        for item in manifest.get("publications", {}).get("files", [])
    }
    needs = {
        run.get("seq"): run for run in manifest.get("entries", {}).get("publication_runs") or []
    }
    checked = 0
    not_checked: list[str] = []
    for item in recompute_published_figures(_export_rows(export, "ledger.jsonl")):
        where = f"publication {item['reference']} (seq {item['seq']})"
        recomputed = item["recomputed"]
        if first > 1:
            run = needs.get(item["seq"], {})
            needs_from = run.get("needs_from_seq")
            if type(needs_from) is not int or needs_from < first:
                needs_text = f"seq {needs_from}" if type(needs_from) is int else "an entry"
                since = run.get("needs_from_date") or "an earlier date"
                not_checked.append(
                    f"{where}: not checked: its figures need the ledger from {needs_text} (its "
                    f"run's start or its watchlist's sign-off), before this export's first entry "
                    f"{first}; request an export since {since}"
                )
                continue
        if recomputed["watchlist_size"] is None:
            return checked, not_checked, f"{where}: its watchlist's sign-off is not on the ledger"
        sources = [("the ledger entry", item["published"])]
        path = records.get(item["reference"])
        if path:
            if not export.exists(path):
                return (
                    checked,
                    not_checked,
                    f"{where}: its record {path} is missing from the export",
                )
            content = export.read(path)
            sources.append(("the published record", json.loads(content)))
            if hashlib.sha256(content).hexdigest() != item["record_sha256"]:
                problem = _first_difference(where, sources, recomputed)
                return (
                    checked,
                    not_checked,
                    problem
                    or (
                        f"{where}: the published record {path} does not match the sha256 "
                        "on the ledger"
                    ),
                )
        problem = _first_difference(where, sources, recomputed)
        if problem:
            return checked, not_checked, problem
        checked += 1
    return checked, not_checked, None


def _first_difference(where: str, sources, recomputed: dict) -> str | None:
    for label, figures in sources:
        for name in (*COUNTED_FIGURES, *RATE_FIGURES):
            if name in figures and figures[name] != recomputed[name]:
                return (
                    f"{where}: figure {name} in {label} reads {figures[name]!r}; the ledger's "
                    f"events give {recomputed[name]!r}"
                )
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Verify a Written Authority inspection export offline."
    )
    parser.add_argument("export", type=Path, help="the export .zip, or the folder it unpacks to")
    parser.add_argument(
        "--public-key",
        type=Path,
        help="the ledger public key as published (PEM); default: the one inside the export",
    )
    parser.add_argument(
        "--checkpoint", type=Path, help="a checkpoint JSON file you saved earlier, to check too"
    )
    args = parser.parse_args(argv)
    try:
        report = verify_export_report(
            args.export, public_key_file=args.public_key, checkpoint_file=args.checkpoint
        )
    except (OSError, ValueError, KeyError, ExportError, zipfile.BadZipFile) as exc:
        print(f"cannot verify: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout if report.ok else sys.stderr
    print(report.line, file=out)
    for line in report.not_checked:
        print(line, file=out)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
