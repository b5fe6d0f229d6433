"""1:N identification and equitability: rank-1 and rank-10 identification rates, and FPIR and
FNIR across thresholds, overall and per group.

    python manage.py equitability_report --images ../shared/datasets/lfw-fold1 \
        [--groups gender.csv --groups perceived-ethnicity.csv] [--thresholds 0.30,0.35,...] \
        [--json OUT] [--cache NPZ] [--save]

A stable half of the people with two or more images is enrolled (first image); their other
images are mated searches, everyone else's non-mated. Each CSV of ``identity,group`` rows
(repeat ``--groups`` or separate files by commas) is a grouping named after its file: every
rate is also given per group, and each grouping's floor and FNIR finding are derived under the
configured rule (WA_EQUITY_*, docs/engine.md); the report's floor is the highest over its
groupings. ``--save`` stores the report against the model version and writes its ledger event;
the pages under /engine/reports/ show it. Progress goes to stderr.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from biometric_engine.core.errors import NotEnoughSearches
from biometric_engine.core.identification import (
    evaluate_identification,
    grouping_name,
    list_identity_images,
    read_group_labels,
)
from biometric_engine.engine import equity_rule
from biometric_engine.management.checks import (
    ProgressLine,
    configured_backend,
    open_cache,
    require_dir,
    require_file,
    require_output,
    write_json,
)
from biometric_engine.services import record_equitability_report
from common.errors import DomainError

DEFAULT_THRESHOLDS = "0.30,0.35,0.40,0.45,0.50,0.55,0.60,0.65,0.70,0.75,0.80"


class Command(BaseCommand):
    help = "Measure FPIR and FNIR across thresholds (per group) and derive the minimum threshold."

    def add_arguments(self, parser):
        parser.add_argument(
            "--images", required=True, type=Path, help="folder of Name/*.jpg, one per identity"
        )
        parser.add_argument(
            "--groups",
            action="append",
            default=None,
            help="CSV of identity,group rows, one grouping named after its file; repeat the "
            "option or separate files by commas for several",
        )
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
        files = group_files(groups)
        for path in files:
            require_file(path, "--groups")
            labelled = set(read_group_labels(path)) & set(people)
            if not labelled:
                raise CommandError(f"--groups {path}: labels none of the identities in {images}")
        names = [grouping_name(path) for path in files]
        if len(set(names)) != len(names):
            raise CommandError(f"--groups: two files give the same grouping name ({names})")
        by = _user(options.get("username")) if save else None

        backend = configured_backend()
        try:
            report = evaluate_identification(
                images,
                scores,
                backend=backend,
                cache=open_cache(cache, backend.model_version),
                groups_csv=files,
                rule=equity_rule(),
                progress=ProgressLine(self.stderr.write),
            )
        except NotEnoughSearches as error:  # a report of nothing would set the lowest floor
            raise CommandError(error.detail) from None
        self.stdout.write(summary(report))
        if json_out is not None:
            write_json(json_out, report)
        if save:
            dataset = options.get("dataset") or describe(images, people, files)
            try:
                stored = record_equitability_report(report=report, by=by, dataset=dataset)
            except DomainError as error:
                raise CommandError(error.detail) from None
            minimum = stored.minimum_threshold
            self.stdout.write(
                f"saved as equitability report {stored.pk} (/engine/reports/{stored.pk}/); "
                f"minimum threshold {minimum if minimum is not None else 'not determined'}"
            )


def group_files(values) -> list[Path]:
    """``--groups a.csv --groups b.csv`` or ``--groups a.csv,b.csv``, in the order given (one
    path, as ``call_command`` may pass it, is one file)."""
    if values is None:
        return []
    if isinstance(values, str | Path):
        values = [values]
    return [
        Path(part.strip()) for value in values for part in str(value).split(",") if part.strip()
    ]


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


def describe(images: Path, people: dict[str, list[str]], groups: list[Path]) -> str:
    count = sum(len(keys) for keys in people.values())
    text = f"{images.resolve().name}: {count} images of {len(people)} identities"
    if not groups:
        return text + "; no groups"
    return text + "; groups from " + ", ".join(path.name for path in groups)


def _percent(rate: dict) -> str:
    return "  —  " if rate["rate"] is None else f"{100 * rate['rate']:5.1f} %"


def _interval(rate: dict) -> str:
    return f"[{100 * rate['ci_low']:.1f}, {100 * rate['ci_high']:.1f}]"


def _bound(value: float) -> str:
    return f"{100 * value:.2f}"


def summary(report: dict) -> str:
    searches = report["searches"]
    rule = report["protocol"]["equity_rule"]
    lines = [
        f"1:N identification, model {report['model']}",
        f"  watchlist {report['watchlist_size']}, {searches['mated']} mated / "
        f"{searches['non_mated']} non-mated searches, faces not found "
        f"{report['faces_not_found']}",
        f"  rank-1 {_percent(report['rank_1'])} {_interval(report['rank_1'])}, "
        f"rank-10 {_percent(report['rank_10'])} {_interval(report['rank_10'])}",
        f"  rule {rule['name']}: tolerance {rule['tolerance']:g}, confidence "
        f"{rule['confidence']:g}, at least {rule['min_searches']} non-mated searches per group",
    ]
    blocks = [("all", None, report["overall"])]
    for grouping, data in report["groupings"].items():
        blocks += [
            (f"{grouping} = {name}", group, group["by_threshold"])
            for name, group in data["groups"].items()
        ]
    for name, group, rows in blocks:
        lines.append(f"  {name}:")
        if group is not None:
            lines.append(
                f"    {group['identities']} identities, {group['searches']['non_mated']} "
                f"non-mated / {group['searches']['mated']} mated searches; "
                f"rank-1 {_percent(group['rank_1'])} {_interval(group['rank_1'])}, "
                f"rank-10 {_percent(group['rank_10'])} {_interval(group['rank_10'])}"
            )
        for row in rows:
            lines.append(
                f"    t={row['threshold']:.2f}  FPIR {_percent(row['fpir'])} "
                f"{_interval(row['fpir']):>14} ({row['fpir']['errors']}/"
                f"{row['fpir']['searches']})  FNIR {_percent(row['fnir'])} "
                f"{_interval(row['fnir']):>14} ({row['fnir']['errors']}/"
                f"{row['fnir']['searches']})"
            )
    for grouping, data in report["groupings"].items():
        lines.extend(_grouping_lines(grouping, data["assessment"]))
    minimum = report["minimum_threshold"]
    if report["groupings"]:
        derivation = report.get("floor_derivation") or {}
        lines.append(
            "  minimum threshold (highest over the groupings that decide): "
            f"{minimum if minimum is not None else 'not determined'}"
            + (f" ({derivation['no_floor_reason']})" if derivation.get("no_floor_reason") else "")
        )
        for undecided in derivation.get("undecided") or []:
            thin = ", ".join(
                f"{t['group']} {t['searches']} ({t['needed']} needed)" for t in undecided["thin"]
            )
            lines.append(
                f"  undecided: {undecided['grouping']} ({undecided['reason']}"
                + (f": {thin}" if thin else "")
                + "), reported, neither setting nor removing the floor"
            )
        first = report["fnir_finding"]["first_threshold"]
        lines.append(
            "  FNIR finding: "
            + (f"FNIR differs between groups from {first:.2f}" if first is not None else "none")
            + " (shown beside the floor, never setting it)"
        )
    else:
        lines.append("  minimum threshold: not determined (no --groups)")
    return "\n".join(lines)


def _grouping_lines(grouping: str, assessment: dict) -> list[str]:
    lines = [f"  grouping {grouping}:"]
    for row in assessment["by_threshold"]:
        checks = ", ".join(
            ("/".join(c["groups"]) if "groups" in c else c["group"]) + f" ≤{_bound(c['bound'])}"
            for c in row["fpir_checks"]
        )
        mark = "equitable" if row["equitable"] else "not shown equitable"
        lines.append(f"    t={row['threshold']:.2f} {mark}: FPIR bound (%) {checks}")
    if assessment["not_enough_data"]:
        lines.append(
            "    not enough data: " + ", ".join(assessment["not_enough_data"]) + " (fewer "
            f"than the {assessment['searches_needed']} non-mated searches needed to show FPIR "
            "within the tolerance): undecided, this grouping neither sets nor removes the floor"
        )
    floor = assessment["floor"]
    reason = assessment["no_floor_reason"]
    lines.append(f"    floor: {floor if floor is not None else 'none (' + reason + ')'}")
    finding = assessment["fnir_finding"]
    for row in finding["by_threshold"]:
        for d in row["differing"]:
            lines.append(
                f"    FNIR differs at t={row['threshold']:.2f}: {d['groups'][0]}-"
                f"{d['groups'][1]} {100 * d['difference']:+.1f} points "
                f"[{100 * d['ci_low']:+.1f}, {100 * d['ci_high']:+.1f}], "
                f"{d['missed_more']} missed more"
            )
    if finding["thin"]:
        lines.append(
            "    FNIR has little power for " + ", ".join(finding["thin"]) + " (fewer mated "
            "searches than the minimum)"
        )
    return lines
