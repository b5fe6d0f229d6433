"""Benchmark the ledger in a throwaway database (never the configured one).

    python manage.py benchmark_ledger --entries 1000000 --json var/ledger-benchmark.json

Reports the bulk append rate (chain computed in Python, bulk insert; COPY on PostgreSQL),
the verification throughput of the same code as ``verify_ledger``, and the rate of
``record_event`` calls made one transaction each.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oversight.benchmark import run_benchmark


class Command(BaseCommand):
    help = "Measure ledger append and verification throughput in a throwaway database."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument(
            "--record-event-sample",
            type=int,
            default=1000,
            help="record_event calls to time, one transaction each (0 to skip)",
        )
        parser.add_argument(
            "--json", dest="json_out", type=Path, help="also write the figures to this file"
        )

    def handle(self, *args, entries: int, record_event_sample: int, json_out=None, **options):
        if entries < 1 or record_event_sample < 0:
            raise CommandError("--entries must be at least 1 and the sample not negative")
        report = run_benchmark(
            entries=entries,
            sample=record_event_sample,
            checkpoint_every=settings.LEDGER_CHECKPOINT_EVERY,
            progress=lambda message: self.stderr.write(message),
        )
        bulk, verify, sample = report["bulk_append"], report["verify"], report["record_event"]
        self.stdout.write(
            f"bulk append: {entries:,} entries in {bulk['seconds']:.2f} s "
            f"({bulk['entries_per_second']:,} entries/s)"
        )
        self.stdout.write(
            f"verify: {verify['entries']:,} entries and {verify['checkpoints']:,} checkpoints in "
            f"{verify['seconds']:.2f} s ({verify['entries_per_second']:,} entries/s), "
            f"{'intact' if verify['ok'] else 'NOT INTACT'}"
        )
        if sample["events"]:
            self.stdout.write(
                f"record_event: {sample['events']:,} events, one transaction each, in "
                f"{sample['seconds']:.2f} s ({sample['events_per_second']:,} events/s)"
            )
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(_dumps(report), encoding="utf-8")
        if not verify["ok"]:
            raise CommandError(verify["summary"])


def _dumps(report: dict) -> str:
    return json.dumps(report, indent=2) + "\n"
