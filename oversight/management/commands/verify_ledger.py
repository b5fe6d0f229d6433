"""Recompute the ledger's hash chain and check its signed checkpoints.

Exits 0 with a one-line summary when intact; 1 with one line naming the first bad sequence
number and what is wrong (hash mismatch, gap, broken link, checkpoint mismatch, bad signature);
2 when a file given cannot be read.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oversight.offline_verifier import load_public_key, raw_public_key
from oversight.verification import verify_database


class Command(BaseCommand):
    help = "Verify the ledger: recompute the hash chain and check signed checkpoints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help="a checkpoint JSON file saved earlier; the current ledger must agree with it",
        )
        parser.add_argument(
            "--public-key",
            type=Path,
            help="the published public key (PEM) to trust; default: the configured key's",
        )

    def handle(self, *args, checkpoint=None, public_key=None, **options):
        saved = None
        if checkpoint is not None:
            try:
                saved = json.loads(checkpoint.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(
                    f"cannot read checkpoint file {checkpoint}: {exc}", returncode=2
                ) from None
        trusted = None
        if public_key is not None:
            try:
                trusted = raw_public_key(load_public_key(public_key.read_bytes()))
            except (OSError, ValueError) as exc:
                raise CommandError(
                    f"cannot read public key {public_key}: {exc}", returncode=2
                ) from None
        result = verify_database(
            saved_checkpoint=saved,
            saved_label=f"checkpoint file {checkpoint.name}" if checkpoint else "",
            trusted_public_key=trusted,
        )
        if not result.ok:
            raise CommandError(result.summary(), returncode=1)
        self.stdout.write(result.summary())
