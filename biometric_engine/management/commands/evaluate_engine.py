"""LFW 1:1 verification accuracy of the configured backend.

    python manage.py evaluate_engine --pairs ../shared/datasets/lfw-fold1/pairs.txt \
        --images ../shared/datasets/lfw-fold1 [--json OUT] [--cache NPZ]

With LFW's ten folds each is tested with the threshold chosen on the other nine; with one
fold (a sample) its pairs are cut into ten stratified splits and cross-validated the same way.
Progress (images embedded, elapsed, remaining) goes to stderr.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from biometric_engine.core.backends import OpenCVFaceBackend
from biometric_engine.core.embed import FacenetEmbedder
from biometric_engine.core.embedding_cache import EmbeddingCache
from biometric_engine.core.errors import NotEnoughPairs
from biometric_engine.core.verification import evaluate_lfw
from biometric_engine.management.checks import (
    ProgressLine,
    configured_backend,
    open_cache,
    require_dir,
    require_file,
    require_output,
    write_json,
)

JSON_KEYS = (
    "accuracy",
    "accuracy_sd",
    "tar_at_far_0.001",
    "threshold",
    "pairs",
    "faces_not_found",
    "model",
)
# The bundled FaceNet's embedding options, for the accuracy experiment (docs/figures.md).
VARIANTS = {
    "plain": {},
    "flip": {"flip": True},
    "align": {"align": True},
    "align+flip": {"align": True, "flip": True},
}


class Command(BaseCommand):
    help = "Measure LFW verification accuracy of the configured face backend."

    def add_arguments(self, parser):
        parser.add_argument("--pairs", required=True, type=Path, help="LFW pairs.txt")
        parser.add_argument(
            "--images", required=True, type=Path, help="folder of Name/Name_NNNN.jpg images"
        )
        parser.add_argument("--json", dest="json_out", type=Path, help="write the result here")
        parser.add_argument(
            "--cache", type=Path, help="embedding cache (.npz), reused and filled between runs"
        )
        parser.add_argument(
            "--variant",
            choices=sorted(VARIANTS),
            help="measure the bundled FaceNet with these embedding options instead of the "
            "configured backend (its model version names them)",
        )

    def handle(self, *args, pairs: Path, images: Path, json_out=None, cache=None, **options):
        require_file(pairs, "--pairs")
        require_dir(images, "--images")
        require_output(json_out, "--json")
        variant = options.get("variant")
        if variant is None:
            backend = configured_backend()
        else:
            backend = OpenCVFaceBackend(embedder=FacenetEmbedder(**VARIANTS[variant]))
        store: EmbeddingCache = open_cache(cache, backend.model_version)
        timing = ProgressLine(self.stderr.write)
        try:
            result = evaluate_lfw(pairs, images, backend=backend, cache=store, progress=timing)
        except ValueError as error:  # a malformed pairs file
            raise CommandError(f"--pairs {pairs}: {error}") from None
        except NotEnoughPairs as error:  # nothing to measure: no figures, not chance figures
            raise CommandError(error.detail) from None
        result = {key: result[key] for key in JSON_KEYS}
        self.stdout.write(summary(result))
        if timing.done:  # images embedded in this run (none when all came from the cache)
            self.stdout.write(
                f"  time              {1000.0 * timing.elapsed / timing.done:.1f} ms per image "
                f"(detect + embed, {timing.done} images)"
            )
        if json_out is not None:
            write_json(json_out, result)


def summary(result: dict) -> str:
    return "\n".join(
        [
            f"LFW verification, {result['pairs']} pairs, model {result['model']}",
            f"  accuracy          {result['accuracy']:.2f} % "
            f"(SD {result['accuracy_sd']:.2f} across folds)",
            f"  TAR at FAR 0.1 %  {result['tar_at_far_0.001']:.2f} %",
            f"  threshold         {result['threshold']:.4f} (cosine similarity)",
            f"  faces not found   {result['faces_not_found']}",
        ]
    )
