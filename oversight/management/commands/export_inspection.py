"""Write an inspection export (zip) that an oversight body can verify offline."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oversight.export import write_inspection_export


class Command(BaseCommand):
    help = (
        "Export the ledger (JSON Lines), the latest signed checkpoint, the public key, every "
        "WAD PDF and a standalone verifier into one zip."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="the zip file to write")
        parser.add_argument(
            "--since",
            type=date.fromisoformat,
            help="only entries recorded on or after this UTC date (YYYY-MM-DD)",
        )

    def handle(self, *args, out: Path, since: date | None = None, **options):
        if out.suffix.lower() != ".zip":
            raise CommandError(f"--out must name a .zip file, not {out}", returncode=2)
        summary = write_inspection_export(out, since=since)
        self.stdout.write(summary.line())
        for name in summary.document_mismatches:
            self.stderr.write(f"warning: {name} does not match the sha256 stored for it")
