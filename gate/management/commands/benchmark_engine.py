"""Speed and memory of the engine, and what the gate adds to each call.

    python manage.py benchmark_engine [--json OUT] [--images DIR] [--face-stats NPZ] \
        [--face-sample N] [--gallery-size N] [--queries N] [--skip-gallery]

Face timings (detection per 250x250 image and 1280x720 frame, embedding per face) use
``--images``, by default the LFW sample beside the repository (``../shared/datasets/lfw-fold1``)
when it is there; without images the command says so in one line. Search is timed on synthetic
vectors: a 10^4 watchlist exact; a 10^6 gallery exact and IVF with recall@10, uniform and
face-like. The face-like vectors are fitted from ``--face-stats`` (an embedding cache) or,
without it, from the faces of ``--face-sample`` images (300) embedded for the run; the summary
says which. The gate is timed in a throwaway database with pre-computed vectors (see
``gate.benchmark``).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from biometric_engine.core.bench import (
    FACE_SAMPLE,
    MIN_FIT_VECTORS,
    run_benchmark,
    summary_lines,
)
from biometric_engine.core.identification import list_identity_images
from biometric_engine.management.checks import (
    configured_backend,
    require_dir,
    require_file,
    require_output,
    write_json,
)
from gate.benchmark import TARGET_MS, run_gate_benchmark

# The LFW sample's place beside the repository (as the tests find it). No setting names it.
LFW_SAMPLE = Path("shared") / "datasets" / "lfw-fold1"


def default_images_dir() -> Path | None:
    """The LFW sample at ``../shared/datasets/lfw-fold1`` beside the repository, when it holds
    ``Name/*.jpg`` folders; None otherwise."""
    folder = Path(settings.BASE_DIR).resolve().parent / LFW_SAMPLE
    if not folder.is_dir() or not list_identity_images(folder):
        return None
    return folder


class Command(BaseCommand):
    help = "Measure detection, embedding, search and the gate's overhead per call."

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")
        parser.add_argument(
            "--images",
            type=Path,
            help="Name/*.jpg folder for face timings and, without --face-stats, the face-like "
            "fit (default: ../shared/datasets/lfw-fold1 beside the repository, when present)",
        )
        parser.add_argument(
            "--face-stats", type=Path, help="embedding cache .npz to fit face-like vectors"
        )
        parser.add_argument(
            "--face-sample",
            type=int,
            default=FACE_SAMPLE,
            help=f"images embedded to fit face-like vectors without --face-stats "
            f"(default {FACE_SAMPLE})",
        )
        parser.add_argument("--watchlist-size", type=int, default=10_000)
        parser.add_argument("--gallery-size", type=int, default=1_000_000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument(
            "--skip-gallery", action="store_true", help="leave out the large gallery"
        )
        parser.add_argument(
            "--gate-calls", type=int, default=1000, help="gate calls timed per measurement"
        )
        parser.add_argument(
            "--gate-watchlist", type=int, default=1000, help="templates in the gate's watchlist"
        )

    def handle(self, *args, **options):
        images, face_stats = options["images"], options["face_stats"]
        json_out = options["json_out"]
        images_default = images is None
        if images is None:
            images = default_images_dir()
        else:
            require_dir(images, "--images")
            if not list_identity_images(images):
                raise CommandError(f"--images {images}: no Name/*.jpg identity folders")
        if face_stats is not None:
            require_file(face_stats, "--face-stats")
        require_output(json_out, "--json")
        for name in ("watchlist_size", "gallery_size", "queries", "gate_calls", "gate_watchlist"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        fit_from_images = not options["skip_gallery"] and face_stats is None and images is not None
        if fit_from_images and options["face_sample"] < MIN_FIT_VECTORS:
            raise CommandError(
                f"--face-sample must be at least {MIN_FIT_VECTORS} to fit face-like vectors"
            )
        backend = configured_backend()

        self.stderr.write("timing the gate in a throwaway database…")
        gate = run_gate_benchmark(
            calls=options["gate_calls"], watchlist_size=options["gate_watchlist"]
        )
        self.stderr.write("timing faces and search…")
        distributions = () if options["skip_gallery"] else ("uniform", "face_like")
        if fit_from_images:
            self.stderr.write(
                f"embedding up to {options['face_sample']} images to fit face-like vectors…"
            )
        try:
            engine = run_benchmark(
                images_dir=images,
                face_stats=face_stats,
                backend=backend,
                watchlist_size=options["watchlist_size"],
                gallery_size=options["gallery_size"],
                queries=options["queries"],
                distributions=distributions,
                face_sample=options["face_sample"],
            )
        except ValueError as error:  # an image with no face to time, a cache too small to fit
            raise CommandError(str(error)) from None
        if "faces" in engine:
            engine["faces"]["images_default"] = images_default
        result = {"engine": engine, "gate": gate}
        self.stdout.write(summary(result))
        if json_out is not None:
            write_json(json_out, result)


def _timing(name: str, t: dict) -> str:
    return (
        f"  {name:<34} median {t['median_ms']:.3f} ms, mean {t['mean_ms']:.3f}, "
        f"p95 {t['p95_ms']:.3f} ({t['calls']} calls)"
    )


def summary(result: dict) -> str:
    engine, gate = result["engine"], result["gate"]
    images_line = None
    if "faces" in engine:
        f = engine["faces"]
        how = " (the default: the LFW sample)" if f.get("images_default") else ""
        images_line = f"face images: {f['images']}{how}"
    lines = summary_lines(engine, images_line=images_line)
    lines.append(
        f"gate ({gate['database']}, watchlist of {gate['watchlist_entries']:,} templates):"
    )
    lines.append(_timing("check_scope alone", gate["check_scope"]))
    lines.append(_timing("admitted call, no face (1 event)", gate["admitted_no_face"]))
    lines.append(_timing("admitted call, no match (1 event)", gate["admitted_no_match"]))
    lines.append(_timing("admitted call, a match (2 events)", gate["admitted_match"]))
    lines.append(_timing("refused call (1 event)", gate["refused"]))
    lines.append(
        f"  target (gate + ledger < {TARGET_MS:g} ms per admitted call): "
        + ("met" if gate["target_met"] else "not met")
    )
    return "\n".join(lines)
