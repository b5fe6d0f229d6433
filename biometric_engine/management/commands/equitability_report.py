"""1:N identification and equitability: rank-1 and rank-10 identification rates, and FPIR and
FNIR across thresholds, overall and per group.

    python manage.py equitability_report --images ../shared/datasets/lfw-fold1 \
        [--groups groups.csv] [--thresholds 0.30,0.35,...] [--json OUT] [--cache NPZ] [--save]

A stable half of the people with two or more images is enrolled (first image); their other
images are mated searches, everyone else's non-mated. With a CSV of ``identity,group`` rows
every rate is also given per group, pairs of groups are tested for significant differences, and
the minimum threshold is derived. ``--save`` stores the report against the model version and
writes its ledger event; the pages under /engine/reports/ show it.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from biometric_engine.core.errors import NotEnoughSearches
from biometric_engine.core.identification import (
    evaluate_identification,
    list_identity_images,
    read_group_labels,
)
from biometric_engine.management.checks import (
    configured_backend,
    open_cache,
    require_dir,
    require_file,
    require_output,
    write_json,
)
from biometric_engine.services import record_equitability_report
from common.errors import DomainError

DEFAULT_THRESHOLDS = "0.30,0.35,0.40,0.45,0.50,0.55,0.60,0.65,0.70"


class Command(BaseCommand):
    help = "Measure FPIR and FNIR across thresholds (per group) and derive the minimum threshold."

    def add_arguments(self, parser):
        parser.add_argument(
            "--images", required=True, type=Path, help="folder of Name/*.jpg, one per identity"
        )
        parser.add_argument("--groups", type=Path, help="CSV of identity,group rows")
        parser.add_argument(
            "--thresholds",
            default=DEFAULT_THRESHOLDS,
            help=f"comma-separated scores between 0 and 1 (default {DEFAULT_THRESHOLDS})",
        )
        parser.add_argument("--json", dest="json_out", type=Path, help="write the report here")
        parser.add_argument("--cache", type=Path, help="embedding cache (.npz)")
        parser.add_argument(
            "--save", action="store_true", help="store the report and write its ledger event"
        )
        parser.add_argument(
            "--dataset", default="", help="what the report measures (default: from the folder)"
        )
        parser.add_argument(
            "--by", dest="username", help="record it as this user (an administrator)"
        )

    def handle(self, *args, images: Path, groups=None, thresholds: str, save: bool, **options):
        json_out, cache = options.get("json_out"), options.get("cache")
        require_dir(images, "--images")
        require_output(json_out, "--json")
        scores = parse_thresholds(thresholds)
        people = list_identity_images(images)
        if not people:
            raise CommandError(f"--images {images}: no Name/*.jpg identity folders")
        if groups is not None:
            require_file(groups, "--groups")
            labelled = set(read_group_labels(groups)) & set(people)
            if not labelled:
                raise CommandError(f"--groups {groups}: labels none of the identities in {images}")
        by = _user(options.get("username")) if save else None

        backend = configured_backend()
        try:
            report = evaluate_identification(
                images,
                scores,
                backend=backend,
                cache=open_cache(cache, backend.model_version),
                groups_csv=groups,
            )
        except NotEnoughSearches as error:  # a report of nothing would set the lowest floor
            raise CommandError(error.detail) from None
        self.stdout.write(summary(report))
        if json_out is not None:
            write_json(json_out, report)
        if save:
            dataset = options.get("dataset") or describe(images, people, groups)
            try:
                stored = record_equitability_report(report=report, by=by, dataset=dataset)
            except DomainError as error:
                raise CommandError(error.detail) from None
            minimum = stored.minimum_threshold
            self.stdout.write(
                f"saved as equitability report {stored.pk} (/engine/reports/{stored.pk}/); "
                f"minimum threshold {minimum if minimum is not None else 'not determined'}"
            )


def parse_thresholds(text: str) -> list[float]:
    try:
        scores = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise CommandError(f"--thresholds {text!r}: give numbers separated by commas") from None
    if not scores or not all(0.0 <= s <= 1.0 for s in scores):
        raise CommandError(f"--thresholds {text!r}: give one or more scores between 0 and 1")
    return scores


def _user(username: str | None):
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--by {username}: no such user")
    # The service refuses too; asking now saves a long run that could not be saved.
    if not user.has_perm("biometric_engine.add_equitabilityreport"):
        raise CommandError(f"--by {username}: only an administrator may record a report")
    return user


def describe(images: Path, people: dict[str, list[str]], groups: Path | None) -> str:
    count = sum(len(keys) for keys in people.values())
    text = f"{images.resolve().name}: {count} images of {len(people)} identities"
    return text + (f"; groups from {groups.name}" if groups else "; no groups")


def _percent(rate: dict) -> str:
    return "  —  " if rate["rate"] is None else f"{100 * rate['rate']:5.1f} %"


def _interval(rate: dict) -> str:
    return f"[{100 * rate['ci_low']:.1f}, {100 * rate['ci_high']:.1f}]"


def summary(report: dict) -> str:
    searches = report["searches"]
    lines = [
        f"1:N identification, model {report['model']}",
        f"  watchlist {report['watchlist_size']}, {searches['mated']} mated / "
        f"{searches['non_mated']} non-mated searches, faces not found "
        f"{report['faces_not_found']}",
        f"  rank-1 {_percent(report['rank_1'])} {_interval(report['rank_1'])}, "
        f"rank-10 {_percent(report['rank_10'])} {_interval(report['rank_10'])}",
    ]
    blocks = [("all", None, report["overall"])] + [
        (f"group {name}", group, group["by_threshold"]) for name, group in report["groups"].items()
    ]
    for name, group, rows in blocks:
        lines.append(f"  {name}:")
        if group is not None:
            lines.append(
                f"    rank-1 {_percent(group['rank_1'])} {_interval(group['rank_1'])}, "
                f"rank-10 {_percent(group['rank_10'])} {_interval(group['rank_10'])} "
                f"({group['searches']['mated']} mated searches)"
            )
        for row in rows:
            lines.append(
                f"    t={row['threshold']:.2f}  FPIR {_percent(row['fpir'])} "
                f"{_interval(row['fpir']):>14}  FNIR {_percent(row['fnir'])} "
                f"{_interval(row['fnir']):>14}"
            )
    flagged = [row for row in report["differences"] if row["significant"]]
    for row in flagged:
        pairs = ", ".join(
            f"{d['metric'].upper()} {d['groups'][0]}/{d['groups'][1]} p={d['p_value']:.3g}"
            for d in row["significant"]
        )
        lines.append(f"  significant at t={row['threshold']:.2f}: {pairs}")
    minimum = report["minimum_threshold"]
    if report["groups"]:
        lines.append(f"  minimum threshold: {minimum if minimum is not None else 'not determined'}")
    else:
        lines.append("  minimum threshold: not determined (no --groups)")
    return "\n".join(lines)
