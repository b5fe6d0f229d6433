"""Speed of a recorded deployment video through the real path and the real model.

    python manage.py benchmark_deployment [--frames N] [--sample-fps F] [--json OUT]

Runs in a throwaway database and media folder (see ``deployments.benchmark``): nothing
configured is touched. The video (1280x720, 25 fps, 1-5 faces a frame) is generated from the
sample faces inside the installed packages.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deployments.benchmark import run_deployment_benchmark, summary_lines


class Command(BaseCommand):
    help = (
        "Measure a deployment's recorded video: seconds of video per second, faces per second, "
        "frame-in to alert latency, cameras per machine."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=250, help="frames of video (250: 10 s)")
        parser.add_argument(
            "--sample-fps",
            type=float,
            default=0.0,
            help="search about this many frames a second (WA_VIDEO_SAMPLE_FPS; 0: every frame)",
        )
        parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")

    def handle(self, *args, frames, sample_fps, json_out, **options):
        if frames < 1:
            raise CommandError("--frames must be at least 1.")
        if sample_fps < 0:
            raise CommandError("--sample-fps is 0 (every frame) or more.")
        result = run_deployment_benchmark(
            frames=frames, sample_fps=sample_fps, say=lambda line: self.stderr.write(line)
        )
        for line in summary_lines(result):
            self.stdout.write(line)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(json.dumps(result, indent=2) + "\n")
