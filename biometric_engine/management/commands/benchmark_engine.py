"""Speed and memory of the engine, and what the gate adds to each call.

    python manage.py benchmark_engine --images ../shared/datasets/lfw-fold1 \
        --face-stats EMBEDDINGS.npz [--json OUT] [--gallery-size N] [--queries N] [--skip-gallery]

Face timings (detection per 250x250 image and 1280x720 frame, embedding per face) need
``--images``; search is timed on synthetic vectors (a 10^4 watchlist exact; a 10^6 gallery exact
and IVF with recall@10, uniform and, with ``--face-stats``, face-like). The gate is timed in a
throwaway database with pre-computed vectors (see ``biometric_engine.benchmark``).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from biometric_engine.benchmark import TARGET_MS, run_gate_benchmark
from biometric_engine.core.bench import TARGET_MS as SEARCH_TARGET_MS
from biometric_engine.core.bench import TARGET_RECALL, run_benchmark
from biometric_engine.management.checks import (
    configured_backend,
    require_dir,
    require_file,
    require_output,
    write_json,
)


class Command(BaseCommand):
    help = "Measure detection, embedding, search and the gate's overhead per call."

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")
        parser.add_argument("--images", type=Path, help="Name/*.jpg folder for face timings")
        parser.add_argument(
            "--face-stats", type=Path, help="embedding cache .npz to fit face-like vectors"
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
        if images is not None:
            require_dir(images, "--images")
        if face_stats is not None:
            require_file(face_stats, "--face-stats")
        require_output(json_out, "--json")
        for name in ("watchlist_size", "gallery_size", "queries", "gate_calls", "gate_watchlist"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        backend = configured_backend()

        self.stderr.write("timing the gate in a throwaway database…")
        gate = run_gate_benchmark(
            calls=options["gate_calls"], watchlist_size=options["gate_watchlist"]
        )
        self.stderr.write("timing faces and search…")
        distributions = () if options["skip_gallery"] else ("uniform", "face_like")
        engine = run_benchmark(
            images_dir=images,
            face_stats=face_stats,
            backend=backend,
            watchlist_size=options["watchlist_size"],
            gallery_size=options["gallery_size"],
            queries=options["queries"],
            distributions=distributions,
        )
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
    lines = [f"model {engine['model']}, {engine['cpu_threads']} FAISS threads"]
    if "faces" in engine:
        f = engine["faces"]
        lines.append(
            f"  detect {f['detect_ms_250x250']:.1f} ms per 250x250 image, "
            f"{f['detect_ms_1280x720']:.1f} ms per 1280x720 frame "
            f"({f['faces_in_1280x720_frame']} faces); embed {f['embed_ms_per_face']:.1f} ms/face"
        )
    w = engine["watchlist"]
    lines.append(
        f"  watchlist {w['entries']:,} exact: {w['single_ms_per_query']:.2f} ms/query "
        f"(p95 {w['single_ms_p95']:.2f}), build {w['build_s']:.2f} s, "
        f"{w['memory_bytes'] / 2**20:.0f} MiB"
    )
    for name, g in engine["gallery"].items():
        e, ivf = g["exact"], g["ivf"]
        lines.append(
            f"  gallery {g['entries']:,} {name}: exact {e['single_ms_per_query']:.1f} ms/query "
            f"({e['batch_ms_per_query']:.1f} batched), built in {e['build_s']:.1f} s, "
            f"{e['memory_bytes'] / 2**20:.0f} MiB"
        )
        lines.append(
            f"    IVF nlist {ivf['nlist']}: built in {ivf['build_s']:.1f} s, "
            f"{ivf['memory_bytes'] / 2**20:.0f} MiB"
        )
        for row in ivf["sweep"]:
            lines.append(
                f"    nprobe {row['nprobe']:5d}: recall@10 {row['recall_at_10']:.3f}, "
                f"{row['single_ms_per_query']:.2f} ms/query "
                f"({row['batch_ms_per_query']:.2f} batched)"
            )
        chosen = ivf["chosen"]
        lines.append(
            f"    target (recall@10 >= {TARGET_RECALL}, < {SEARCH_TARGET_MS:g} ms/query) "
            + (
                f"met with nprobe {chosen['nprobe']}: recall@10 {chosen['recall_at_10']:.3f}, "
                f"{chosen['single_ms_per_query']:.2f} ms/query"
                if chosen
                else "not met"
            )
        )
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
