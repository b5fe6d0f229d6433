"""Sign a checkpoint of the ledger's head now (if it moved) and optionally save it to a file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from oversight.checkpoints import create_checkpoint


class Command(BaseCommand):
    help = "Sign a checkpoint of the ledger's current head, and save it for a later check."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="write the checkpoint JSON to this file")

    def handle(self, *args, out: Path | None = None, **options):
        checkpoint, new = create_checkpoint(only_if_moved=True)
        if out is not None:
            out.write_text(json.dumps(checkpoint.as_document(), indent=2) + "\n", encoding="utf-8")
        verb = "signed" if new else "unchanged since"
        where = f"; saved to {out}" if out else ""
        self.stdout.write(
            f"checkpoint {verb}: {checkpoint.tree_size} entries, head "
            f"{checkpoint.head_hash[:12]}…, signed at {checkpoint.signed_at} with key "
            f"{checkpoint.key_id}{where}"
        )
