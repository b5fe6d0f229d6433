"""Staff pages for equitability reports: the list, and one report with its chart and tables.

Readable by the roles holding ``view_equitabilityreport`` (authorising officers, Chief
Officers, oversight, administrators); everyone else gets 403, anonymous users the sign-in page.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from biometric_engine import selectors
from biometric_engine.charts import rates_chart
from biometric_engine.models import EquitabilityReport


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(selectors.VIEW_REPORTS):
        raise PermissionDenied(
            "Only authorising officers, Chief Officers, oversight and "
            "administrators may read equitability reports."
        )


@require_safe
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    reports = selectors.equitability_reports_visible_to(user=request.user)[:200]
    return render(request, "biometric_engine/report_list.html", {"reports": reports})


@require_safe
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    report = get_object_or_404(selectors.equitability_reports_visible_to(user=request.user), pk=pk)
    if not selectors.has_groupings(report):
        return render(
            request, "biometric_engine/report_detail_legacy.html", _legacy_context(report)
        )
    return render(request, "biometric_engine/report_detail.html", _detail_context(report))


def _rate(rate: dict) -> dict:
    """A rate as the page shows it: percent, interval in percent, and the counts behind it
    (errors for FPIR and FNIR, hits for rank-1 and rank-10)."""
    value = rate["rate"]
    return {
        "percent": None if value is None else 100.0 * value,
        "low": 100.0 * rate["ci_low"],
        "high": 100.0 * rate["ci_high"],
        "count": rate["hits"] if "hits" in rate else rate["errors"],
        "searches": rate["searches"],
    }


def _rate_if_given(rate: dict | None) -> dict | None:
    # Reports stored before per-group identification rates were measured lack them.
    return None if rate is None else _rate(rate)


def _identification_rows(data: dict, groups: dict, *, overall: bool = True) -> list[dict]:
    """Rank-1 and rank-10 identification rates, all mated searches then each group's."""
    rows = []
    if overall:
        rows.append(
            {
                "name": "All searches",
                "identities": None,
                "rank_1": _rate(data["rank_1"]),
                "rank_10": _rate(data["rank_10"]),
            }
        )
    for name, group in groups.items():
        rows.append(
            {
                "name": name,
                "identities": group["identities"],
                "rank_1": _rate_if_given(group.get("rank_1")),
                "rank_10": _rate_if_given(group.get("rank_10")),
            }
        )
    return rows


def _minimum_explained(report: EquitabilityReport) -> str:
    data = report.report
    if report.minimum_threshold is not None:
        return (
            "The lowest threshold from which upwards no pair of groups differs significantly "
            "in FPIR or FNIR. An authority may ask for more, never less."
        )
    if not data.get("groups"):
        return (
            "Not determined: the report has no groups, so no difference between groups could be "
            "tested. Run it again with a CSV of identity,group labels."
        )
    return (
        "Not determined: groups differ significantly even at the highest threshold measured "
        f"({max(report.thresholds):.2f}). No threshold of this model is known to be equitable."
    )


def _legacy_context(report: EquitabilityReport) -> dict:
    """A report derived under the superseded significance rule, shown as it was made."""
    data = report.report
    minimum = float(report.minimum_threshold) if report.minimum_threshold is not None else None
    groups = data.get("groups") or {}
    differences = {row["threshold"]: row["significant"] for row in data.get("differences", [])}
    overall = [
        {"threshold": row["threshold"], "fpir": _rate(row["fpir"]), "fnir": _rate(row["fnir"])}
        for row in data["overall"]
    ]
    per_threshold = []
    for position, row in enumerate(data["overall"]):
        blocks = [("Overall", None, row)] + [
            (name, group, group["by_threshold"][position]) for name, group in groups.items()
        ]
        per_threshold.append(
            {
                "threshold": row["threshold"],
                "is_minimum": minimum is not None and abs(row["threshold"] - minimum) < 1e-9,
                "rows": [
                    {
                        "name": name,
                        "identities": group["identities"] if group else None,
                        "fpir": _rate(cells["fpir"]),
                        "fnir": _rate(cells["fnir"]),
                    }
                    for name, group, cells in blocks
                ],
                "significant": differences.get(row["threshold"], []),
            }
        )
    charts = [
        {
            "name": "Overall",
            "svg": rates_chart(
                rows=data["overall"],
                chart_id="chart-overall",
                title=f"FPIR and FNIR against threshold, all searches, {report.model_version}",
                description=_chart_description(data["overall"], minimum),
                minimum=minimum,
            ),
        }
    ]
    for number, (name, group) in enumerate(groups.items(), start=1):
        charts.append(
            {
                "name": f"Group {name}",
                "svg": rates_chart(
                    rows=group["by_threshold"],
                    chart_id=f"chart-group-{number}",
                    title=f"FPIR and FNIR against threshold, group {name}",
                    description=_chart_description(group["by_threshold"], minimum),
                    minimum=minimum,
                ),
            }
        )
    return {
        "report": report,
        "data": data,
        "rank_1": _rate(data["rank_1"]),
        "rank_10": _rate(data["rank_10"]),
        "overall": overall,
        "identification": _identification_rows(data, groups),
        "identification_incomplete": any("rank_1" not in g for g in groups.values()),
        "per_threshold": per_threshold,
        "charts": charts,
        "groups": [
            {"name": name, "identities": g["identities"], "searches": g["searches"]}
            for name, g in groups.items()
        ],
        "minimum_explained": _minimum_explained(report),
    }


def _percent_or_none(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def _detail_context(report: EquitabilityReport) -> dict:
    """A report with groupings (protocol version 2 on; one older than the current rule is
    marked superseded, never enforced): the floor per grouping and overall, which groupings
    decided and which were undecided, the FNIR finding beside it, the rule that derived them,
    thin data named, the provenance of the data (when the report carries it), and each group's
    rates as charts and tables."""
    data = report.report
    minimum = float(report.minimum_threshold) if report.minimum_threshold is not None else None
    summary = selectors.floor_summary_of(report)
    overall = [
        {"threshold": row["threshold"], "fpir": _rate(row["fpir"]), "fnir": _rate(row["fnir"])}
        for row in data["overall"]
    ]
    charts = [
        {
            "name": "All searches",
            "svg": rates_chart(
                rows=data["overall"],
                chart_id="chart-overall",
                title=f"FPIR and FNIR against threshold, all searches, {report.model_version}",
                description=_chart_description(data["overall"], minimum),
                minimum=minimum,
            ),
        }
    ]
    groupings = []
    number = 0
    for name, grouping in data["groupings"].items():
        assessment = grouping["assessment"]
        group_charts = []
        for group, block in grouping["groups"].items():
            number += 1
            group_charts.append(
                {
                    "name": f"{name}: {group}",
                    "thin": not assessment["groups"][group]["enough_data"],
                    "svg": rates_chart(
                        rows=block["by_threshold"],
                        chart_id=f"chart-group-{number}",
                        title=f"FPIR and FNIR against threshold, {name}: group {group}",
                        description=_chart_description(block["by_threshold"], minimum),
                        minimum=minimum,
                    ),
                }
            )
        finding = assessment["fnir_finding"]
        per_threshold = []
        for position, row in enumerate(assessment["by_threshold"]):
            per_threshold.append(
                {
                    "threshold": row["threshold"],
                    "equitable": row["equitable"],
                    "is_floor": assessment["floor"] is not None
                    and abs(row["threshold"] - assessment["floor"]) < 1e-9,
                    "rows": [
                        {
                            "name": group,
                            "identities": block["identities"],
                            "fpir": _rate(block["by_threshold"][position]["fpir"]),
                            "fnir": _rate(block["by_threshold"][position]["fnir"]),
                        }
                        for group, block in grouping["groups"].items()
                    ],
                    "checks": [
                        {
                            "label": " and ".join(c["groups"]) if "groups" in c else c["group"],
                            "value": _percent_or_none(c.get("difference", c.get("rate"))),
                            "low": 100.0 * c["ci_low"],
                            "high": 100.0 * c["ci_high"],
                            "bound": 100.0 * c["bound"],
                            "within": c["within_tolerance"],
                        }
                        for c in row["fpir_checks"]
                    ],
                    "fnir_differing": [
                        {
                            **d,
                            "difference": 100.0 * d["difference"],
                            "ci_low": 100.0 * d["ci_low"],
                            "ci_high": 100.0 * d["ci_high"],
                        }
                        for d in finding["by_threshold"][position]["differing"]
                    ],
                }
            )
        groupings.append(
            {
                "name": name,
                "summary": next(g for g in summary["groupings"] if g["name"] == name),
                "assessment": assessment,
                "groups": [
                    {
                        "name": group,
                        "identities": block["identities"],
                        "searches": block["searches"],
                        "enough_data": assessment["groups"][group]["enough_data"],
                    }
                    for group, block in grouping["groups"].items()
                ],
                "unlabelled": grouping["unlabelled_identities"],
                "identification": _identification_rows(data, grouping["groups"], overall=False),
                "charts": group_charts,
                "per_threshold": per_threshold,
                "interval_percent": 100.0 * assessment["interval_confidence"],
                "fnir_interval_percent": 100.0 * finding["interval_confidence"],
            }
        )
    rule = data["protocol"]["equity_rule"]
    return {
        "report": report,
        "data": data,
        "summary": summary,
        "rule": rule,
        "tolerance_points": 100.0 * rule["tolerance"],
        "confidence_percent": 100.0 * rule["confidence"],
        "rank_1": _rate(data["rank_1"]),
        "rank_10": _rate(data["rank_10"]),
        "overall": overall,
        "charts": charts,
        "groupings": groupings,
        "minimum_explained": _floor_explained(report, summary),
        "provenance": data.get("provenance") if isinstance(data.get("provenance"), dict) else None,
    }


def _floor_explained(report: EquitabilityReport, summary: dict) -> str:
    if not summary["groupings"]:
        return (
            "Not determined: the report has no groups, so no false-alert rates could be "
            "compared. Run it again with one or more CSV files of identity,group labels."
        )
    undecided = [u["grouping"] for u in summary["undecided"]]
    if report.minimum_threshold is not None:
        text = (
            "The lowest threshold from which upwards the data show every group's false-alert "
            "rate (FPIR) to be close, in every grouping that can decide ("
            + ", ".join(summary["deciding"])
            + "), under the rule below. An authority may ask for more, never less. FNIR is "
            "not part of it: see the FNIR finding."
        )
        if undecided:
            text += (
                " Undecided, for too little data, and so neither setting nor removing it: "
                + ", ".join(undecided)
                + " (see below)."
            )
    else:
        missing = [g["name"] for g in summary["groupings"] if g["floor"] is None]
        text = (
            "Not determined"
            + (f": {summary['no_floor_text']}" if summary["no_floor_text"] else "")
            + " ("
            + ", ".join(missing)
            + " derive"
            + ("s" if len(missing) == 1 else "")
            + " no floor: see below). No threshold of this model is known to be equitable."
        )
    if not summary["current_format"]:
        text += (
            f" This report was derived under {summary['superseded_rule']}: it is shown as it "
            "was made and never enforced."
        )
    return text


def _chart_description(rows: list[dict], minimum: float | None) -> str:
    def describe(rate: dict) -> str:
        return "no searches" if rate["rate"] is None else f"{100 * rate['rate']:.1f} %"

    first, last = rows[0], rows[-1]
    text = (
        f"At threshold {first['threshold']:.2f} FPIR is {describe(first['fpir'])} and FNIR "
        f"{describe(first['fnir'])}; at {last['threshold']:.2f} FPIR is "
        f"{describe(last['fpir'])} and FNIR {describe(last['fnir'])}. "
        "The table beside the chart gives every value with its 95 % interval."
    )
    if minimum is not None:
        text += f" A vertical line marks the minimum threshold, {minimum:.2f}."
    return text
