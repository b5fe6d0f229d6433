"""Accuracy of a face backend: LFW 1:1 verification and 1:N identification with equality.

Verification follows the LFW protocol (``pairs.txt``); identification builds a watchlist
from an identity-labelled folder (``Name/*.jpg``) and measures FPIR and FNIR across
thresholds, overall and per group of each grouping, from which it derives the model's minimum
threshold and the FNIR finding (``core.equity``). Reports are plain JSON-serialisable dicts
tied to the backend's model version.

Embeddings are cached by image path (relative to the images folder) and model version, in a
dict or an ``.npz`` file the caller passes, so a repeated run does not recompute them.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .backends import select_backend
from .embedding_cache import EmbeddingCache
from .errors import NotEnoughPairs, NotEnoughSearches
from .identification import evaluate_identification
from .verification import evaluate_lfw


def _summary(result: dict) -> str:
    return (
        f"LFW verification, {result['pairs']} pairs, model {result['model']}\n"
        f"  accuracy          {result['accuracy']:.2f} % "
        f"(SD {result['accuracy_sd']:.2f} across folds)\n"
        f"  TAR at FAR 0.1 %  {result['tar_at_far_0.001']:.2f} %\n"
        f"  threshold         {result['threshold']:.4f} (cosine similarity)\n"
        f"  faces not found   {result['faces_not_found']}"
    )


def _report_summary(report: dict) -> str:
    lines = [
        f"1:N identification, watchlist {report['watchlist_size']}, "
        f"{report['searches']['mated']} mated / "
        f"{report['searches']['non_mated']} non-mated searches",
        f"  rank-1 {100 * (report['rank_1']['rate'] or 0):.1f} %, "
        f"rank-10 {100 * (report['rank_10']['rate'] or 0):.1f} %",
    ]
    for row in report["overall"]:
        fpir, fnir = row["fpir"], row["fnir"]
        lines.append(
            f"  t={row['threshold']:.2f}  FPIR {100 * (fpir['rate'] or 0):5.1f} % "
            f"[{100 * fpir['ci_low']:.1f}, {100 * fpir['ci_high']:.1f}]  "
            f"FNIR {100 * (fnir['rate'] or 0):5.1f} % "
            f"[{100 * fnir['ci_low']:.1f}, {100 * fnir['ci_high']:.1f}]"
        )
    for name, grouping in report["groupings"].items():
        assessment = grouping["assessment"]
        lines.append(
            f"  grouping {name}: floor {assessment['floor']}"
            + (f" ({assessment['no_floor_reason']})" if assessment["floor"] is None else "")
            + f", FNIR differs from {assessment['fnir_finding']['first_threshold']}"
        )
    if report["groupings"]:
        lines.append(f"  minimum threshold: {report['minimum_threshold']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m biometric_engine.core.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--pairs", required=True, help="LFW pairs.txt")
    parser.add_argument("--images", required=True, help="folder of Name/Name_NNNN.jpg images")
    parser.add_argument("--json", help="write the verification result here as JSON")
    parser.add_argument("--cache", help="embedding cache (.npz), reused between runs")
    parser.add_argument("--model-pack", help="insightface model pack directory (default: OpenCV)")
    parser.add_argument("--identification", help="also run 1:N; write the equitability report here")
    parser.add_argument(
        "--groups",
        action="append",
        help="CSV of identity,group, one grouping named after its file (repeat for several)",
    )
    parser.add_argument(
        "--thresholds",
        default="0.30,0.35,0.40,0.45,0.50,0.55,0.60,0.65,0.70",
        help="comma-separated thresholds for the 1:N report",
    )
    args = parser.parse_args(argv)

    backend = select_backend(args.model_pack)
    cache = EmbeddingCache.open(args.cache, backend.model_version)
    try:
        result = evaluate_lfw(args.pairs, args.images, backend=backend, cache=cache)
        print(_summary(result))
        if args.json:
            _write_json(args.json, result)
        if args.identification:
            thresholds = [float(t) for t in args.thresholds.split(",") if t.strip()]
            report = evaluate_identification(
                args.images, thresholds, backend=backend, cache=cache, groups_csv=args.groups
            )
            print(_report_summary(report))
            _write_json(args.identification, report)
    except (NotEnoughPairs, NotEnoughSearches) as error:
        # One line and a failing status, never figures that measure nothing.
        print(error.detail, file=sys.stderr)
        return 1
    return 0


def _write_json(path: str, data: dict) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
