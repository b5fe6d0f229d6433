"""Reads of the engine's records for pages and for other apps' rules."""

from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse

from biometric_engine.core.equity import UNDECIDED_REASONS, derive_floor
from biometric_engine.core.identification import REPORT_VERSION
from biometric_engine.models import EnrolledFace, EquitabilityReport

VIEW_REPORTS = "biometric_engine.view_equitabilityreport"


# A report compares groups only when it has two or more; one without is an accuracy report
# and neither sets nor lifts a model's equitable minimum.
GROUPS_TO_COMPARE = 2


def floor_report(*, model_version: str) -> EquitabilityReport | None:
    """The latest report for this model that compares groups: the one its floor comes from."""
    return (
        EquitabilityReport.objects.filter(
            model_version=model_version,
            group_count__gte=GROUPS_TO_COMPARE,
            report_version=REPORT_VERSION,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def minimum_threshold_for(*, model_version: str) -> Decimal | None:
    """The minimum threshold of the latest report comparing groups for this model version.

    None when there is no such report, or when the latest could not determine one (its groups
    differ at every threshold): either way no threshold of that model is known to be
    equitable, and the caller must treat it so.
    """
    report = floor_report(model_version=model_version)
    return None if report is None else report.minimum_threshold


def equitability_reports_visible_to(*, user) -> QuerySet[EquitabilityReport]:
    """Every report for those holding the view permission (they are not per object)."""
    if not user.has_perm(VIEW_REPORTS):
        return EquitabilityReport.objects.none()
    return EquitabilityReport.objects.select_related("created_by").order_by("-created_at", "-pk")


def enrolled_ids(gallery_id: int, ids: list[int]) -> set[int]:
    """Which of these template ids are still enrolled in the gallery (plain SQL, as gate_state:
    it runs on the path of every match)."""
    table = EnrolledFace._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE gallery_id = %s AND id IN ({marks})",  # noqa: S608
            [gallery_id, *ids],
        )
        return {row[0] for row in cursor.fetchall()}


def moment(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware datetime (SQLite hands back naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def equitability_problem(
    *,
    report_id: int | None,
    minimum: Decimal | None,
    model_version: str,
    threshold: Decimal,
) -> tuple[str, str] | None:
    """Why ``threshold`` of ``model_version`` may not be used, as (code, sentence), or None.

    DOMAIN: a threshold is a (model version, score) pair that may be used only where its
    equitability report exists, at or above the minimum the report derives.
    """
    if report_id is None:
        return (
            "no_equitability_report",
            f"No equitability report comparing groups exists for {model_version}: record one "
            "before the engine runs at any threshold of it.",
        )
    if minimum is None:
        return (
            "no_equitable_threshold",
            f"The latest equitability report for {model_version} derives no equitable "
            "minimum: a grouping with enough data does not show the groups' false-alert rates "
            "(FPIR) to be close at any threshold it measured, or no grouping had enough "
            "searches in every group to decide.",
        )
    if minimum is not None and threshold < minimum:
        return (
            "threshold_below_equitable_minimum",
            f"A threshold of {threshold} is below {minimum}, the equitable minimum of "
            f"the equitability report for {model_version}: the lowest score from which upwards "
            "its data show every group's false-alert rate (FPIR) to be close.",
        )
    return None


NO_FLOOR_REASONS = {
    "not_enough_data": "undecided, not enough data: a group has too few non-mated searches to "
    "show its false-alert rate close to the others'",
    "too_few_groups": "undecided: fewer than two groups to compare",
    "not_equitable_at_any_threshold": "the groups' false-alert rates are not shown to be close "
    "at any threshold measured",
}

# Why a report (not one grouping) has no floor (core.equity.derive_floor).
REPORT_NO_FLOOR_REASONS = {
    "no_groupings": "it compares no groups",
    "no_grouping_decides": "no grouping has enough non-mated searches in every group to decide",
    "a_grouping_not_equitable": "a grouping with enough data does not show its groups' "
    "false-alert rates to be close at any threshold measured",
}

# Why an older report is shown but never enforced, by its protocol version.
SUPERSEDED_RULES = {
    1: "the superseded rule (no significant difference, which a small group meets by having "
    "little data)",
    2: "the superseded rule of protocol version 2 (any grouping too thin to decide removed the "
    "floor, so measuring a finer grouping stopped the platform)",
}


def report_version_of(report: EquitabilityReport) -> int:
    """The protocol version a report was derived under (1: none stated)."""
    protocol = (report.report or {}).get("protocol") or {}
    version = protocol.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def is_current_format(report: EquitabilityReport) -> bool:
    """Whether the report was derived under the current rule (``core.equity``, protocol
    version ``REPORT_VERSION``): only such a report's floor is enforced. Older ones are shown
    as they were, marked superseded."""
    return report_version_of(report) == REPORT_VERSION


def has_groupings(report: EquitabilityReport) -> bool:
    """Whether the report holds groupings with their assessments (protocol version 2 on); a
    version 1 report holds significance tests and has its own page."""
    return report_version_of(report) >= 2 and isinstance(
        (report.report or {}).get("groupings"), dict
    )


def floor_summary(*, model_version: str) -> dict | None:
    """What an authorising officer must see beside a threshold of ``model_version``: the floor
    of its latest report comparing groups (None: no such report), each grouping's floor or why
    it has none, where data are thin, the FNIR finding, and the rule behind them.

    Keys: ``report_id``, ``url``, ``created_at``, ``dataset``, ``model_version``, ``floor``
    (Decimal or None, as the gate uses it; never enforced unless ``current_format``),
    ``report_version``, ``current_format`` (False: derived under a superseded rule, named in
    ``superseded_rule``; a version 1 report then has empty ``rule`` and ``groupings``),
    ``rule`` (name, tolerance, confidence, min_searches, text), ``watchlist_size`` and
    ``searches`` measured, ``no_floor_reason`` and ``no_floor_text`` (the report's, when it
    has no floor), ``set_by`` (the groupings whose floor is the report's), ``deciding`` (those
    that can decide), ``undecided`` (each
    grouping that cannot decide: grouping, reason, reason_text, groups, thin: [{group,
    searches, needed}]; never hidden), ``groupings`` (name, floor, decides, status ("sets the
    floor", "decides", "undecided", "not equitable"), no_floor_reason, reason_text, thin:
    [{group, searches, needed}], fnir_first_threshold, fnir_differences: [{threshold,
    groups, missed_more, difference, ci_low, ci_high, and the last three as points: points,
    low_points, high_points}]), ``fnir_first_threshold`` (lowest over groupings, or None).
    """
    # The latest grouped report of any rule: one from a superseded rule is shown, marked so.
    report = (
        EquitabilityReport.objects.filter(
            model_version=model_version, group_count__gte=GROUPS_TO_COMPARE
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return None if report is None else floor_summary_of(report)


def floor_summary_of(report: EquitabilityReport) -> dict:
    """``floor_summary`` of one stored report."""
    data = report.report or {}
    summary = {
        "report_id": report.pk,
        "url": reverse("engine:report-detail", args=[report.pk]),
        "created_at": report.created_at,
        "dataset": report.dataset,
        "model_version": report.model_version,
        "floor": report.minimum_threshold,
        "report_version": report_version_of(report),
        "current_format": is_current_format(report),
        "superseded_rule": None,
        "rule": None,
        "watchlist_size": int(data.get("watchlist_size") or 0),
        "searches": data.get("searches") or {},
        "no_floor_reason": None,
        "no_floor_text": "",
        "set_by": [],
        "deciding": [],
        "undecided": [],
        "groupings": [],
        "fnir_first_threshold": None,
    }
    if not summary["current_format"]:
        summary["superseded_rule"] = SUPERSEDED_RULES.get(
            summary["report_version"], "a superseded rule"
        )
    if not has_groupings(report):
        return summary
    # A current report's derivation was checked against its counts when it was stored; an
    # older one's is worked out from its assessments, for showing only.
    derivation = data.get("floor_derivation") or derive_floor(
        {name: g["assessment"] for name, g in data["groupings"].items()}
    )
    if report.minimum_threshold is None:
        summary["no_floor_reason"] = derivation["no_floor_reason"]
        summary["no_floor_text"] = REPORT_NO_FLOOR_REASONS.get(
            derivation["no_floor_reason"] or "", ""
        )
    summary["set_by"] = list(derivation["set_by"]) if summary["current_format"] else []
    summary["deciding"] = list(derivation["deciding"])
    summary["undecided"] = [
        {**u, "reason_text": NO_FLOOR_REASONS.get(u["reason"], "")} for u in derivation["undecided"]
    ]
    rule = data["protocol"]["equity_rule"]
    summary["rule"] = {
        key: rule[key] for key in ("name", "tolerance", "confidence", "min_searches", "text")
    }
    summary["fnir_first_threshold"] = data["fnir_finding"]["first_threshold"]
    for name, grouping in data["groupings"].items():
        assessment = grouping["assessment"]
        finding = assessment["fnir_finding"]
        decides = assessment["no_floor_reason"] not in UNDECIDED_REASONS
        if not decides:
            status = "undecided"
        elif assessment["floor"] is None:
            status = "not equitable"
        elif name in summary["set_by"]:
            status = "sets the floor"
        else:
            status = "decides"
        summary["groupings"].append(
            {
                "name": name,
                "floor": assessment["floor"],
                "decides": decides,
                "status": status,
                "no_floor_reason": assessment["no_floor_reason"],
                "reason_text": NO_FLOOR_REASONS.get(assessment["no_floor_reason"] or "", ""),
                "thin": [
                    {
                        "group": group,
                        "searches": assessment["groups"][group]["non_mated_searches"],
                        "needed": assessment["searches_needed"],
                    }
                    for group in assessment["not_enough_data"]
                ],
                "fnir_first_threshold": finding["first_threshold"],
                "fnir_differences": [
                    {
                        "threshold": row["threshold"],
                        **difference,
                        "points": 100.0 * difference["difference"],
                        "low_points": 100.0 * difference["ci_low"],
                        "high_points": 100.0 * difference["ci_high"],
                    }
                    for row in finding["by_threshold"]
                    for difference in row["differing"]
                ],
                "fnir_thin": list(finding.get("thin") or []),
            }
        )
    return summary


def report_warnings(*, model_version: str, watchlist_size: int | None, now: datetime) -> list[str]:
    """Sentences for every live authority's page (the continuing equality duty): no report,
    one derived under a superseded rule, one older than WA_EQUITY_REPORT_MAX_AGE_DAYS, one
    measured with a smaller watchlist than this authority's (FPIR grows with watchlist size),
    one that derives no floor, and each grouping the report leaves undecided (its thin groups,
    their searches and the searches needed), floor or not. Empty when none applies."""
    summary = floor_summary(model_version=model_version)
    if summary is None:
        return [
            f"No equitability report comparing groups exists for {model_version}: the engine "
            "will not run at any threshold of it until one is recorded."
        ]
    warnings = []
    if not summary["current_format"]:
        warnings.append(
            f"The equitability report for {model_version} (report {summary['report_id']}) was "
            f"derived under {summary['superseded_rule']}: its floor is not enforced; record a "
            "new one."
        )
    max_age = settings.WA_EQUITY_REPORT_MAX_AGE_DAYS
    age = (now - moment(summary["created_at"])).days
    if age > max_age:
        warnings.append(
            f"The equitability report for {model_version} is {age} days old, older than the "
            f"{max_age} days configured: the equality duty is continuing, so re-run it."
        )
    measured = summary["watchlist_size"]
    if watchlist_size is not None and watchlist_size > measured:
        warnings.append(
            f"This watchlist holds {watchlist_size} people; the equitability report measured "
            f"false alerts with a watchlist of {measured}. False alerts grow with watchlist "
            "size, so the report's rates may understate them: re-run it at this size."
        )
    if summary["floor"] is None:
        reasons = "; ".join(
            f"{g['name']}: {g['reason_text']}" for g in summary["groupings"] if g["floor"] is None
        )
        warnings.append(
            f"The equitability report for {model_version} derives no equitable minimum"
            + (f", because {summary['no_floor_text']}" if summary["no_floor_text"] else "")
            + (f" ({reasons})" if reasons else "")
            + ": no threshold of this model may be used."
        )
    for undecided in summary["undecided"] if summary["current_format"] else []:
        warnings.append(undecided_sentence(model_version, undecided, summary))
    return warnings


def undecided_sentence(model_version: str, undecided: dict, summary: dict) -> str:
    """One undecided grouping, said plainly: why, each thin group's searches and the searches
    needed, and that the floor comes from the other groupings alone (or that there is none)."""
    if undecided["thin"]:
        why = "too few non-mated searches to decide: " + ", ".join(
            f"{t['group']} {t['searches']} ({t['needed']} needed)" for t in undecided["thin"]
        )
    else:
        why = "fewer than two groups to compare"
    if summary["floor"] is not None:
        rest = (
            "its floor comes from "
            + ", ".join(summary["deciding"] or ["the groupings that decide"])
            + " alone; measure more to decide this grouping"
        )
    else:
        rest = "measure more to decide it"
    return (
        f"The equitability report for {model_version} leaves the grouping "
        f"{undecided['grouping']} undecided ({why}): {rest}."
    )
