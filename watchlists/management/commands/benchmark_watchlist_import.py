"""Speed and memory of the bulk import, through the real path and the real model.

    python manage.py benchmark_watchlist_import [--count N] [--images DIR] [--json OUT] \
        [--no-tracemalloc]

Runs in a throwaway database and media folder (see ``watchlists.benchmark``): nothing
configured is touched. ``--images`` is a ``Name/*.jpg`` folder (one image per identity, e.g.
../shared/datasets/lfw-fold1); by default the sample faces inside the installed packages.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from watchlists.benchmark import run_import_benchmark, summary_lines


class Command(BaseCommand):
    help = "Measure the bulk import of watchlist entries: faces per second and peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="rows to import (1000)")
        parser.add_argument("--images", type=Path, help="Name/*.jpg folder of face images")
        parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")
        parser.add_argument(
            "--no-tracemalloc",
            action="store_true",
            help="leave tracemalloc off (it slows Python code; maxrss is still reported)",
        )

    def handle(self, *args, count, images, json_out, no_tracemalloc, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if images is not None and not images.is_dir():
            raise CommandError(f"{images} is not a folder.")
        result = run_import_benchmark(
            count=count,
            images=images,
            trace=not no_tracemalloc,
            say=lambda line: self.stderr.write(line),
        )
        for line in summary_lines(result):
            self.stdout.write(line)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(json.dumps(result, indent=2) + "\n")
