"""Reads for the public transparency site: published records only, never the live tables,
except for counts that name nothing (RFR searches run, OIFR checks per month) and the
force's published criteria and model report.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from authority.models import LocationType, WatchlistCategory
from biometric_engine.selectors import floor_report
from deployments.models import DeploymentStatus, OperatorCheck, RetrospectiveSearch
from reviews.figures import rate
from reviews.models import PublicationStatus, PublishedDeployment
from reviews.public import COLUMNS, row

SUMMED = ["faces_processed", "alerts", "false_alerts", "engagements", "arrests"]


def published() -> list[dict]:
    """Every published results record, newest first, with its table row."""
    records = PublishedDeployment.objects.filter(status=PublicationStatus.PUBLISHED).order_by(
        "-published_at", "-pk"
    )
    out = [p.record | {"row": row(p.record), "record_sha256": p.record_sha256} for p in records]
    return sorted(out, key=lambda r: (r["date"], r["start_time"]), reverse=True)


def published_record(reference: str) -> PublishedDeployment | None:
    return PublishedDeployment.objects.filter(
        reference=reference, status=PublicationStatus.PUBLISHED
    ).first()


def announced() -> list[dict]:
    """Planned deployments announced in advance and not yet ended, soonest first."""
    publications = PublishedDeployment.objects.filter(
        status=PublicationStatus.ANNOUNCED,
        deployment__status__in=[
            DeploymentStatus.PLANNED,
            DeploymentStatus.RUNNING,
            DeploymentStatus.PAUSED,
        ],
    )
    return sorted(
        (p.announcement for p in publications), key=lambda a: (a["date"], a["start_time"])
    )


@dataclass(frozen=True)
class Totals:
    period: str
    deployments: int
    faces_processed: int
    alerts: int
    false_alerts: int
    engagements: int
    arrests: int

    @property
    def false_alert_rate_per_face_processed(self) -> str:
        return rate(self.false_alerts, self.faces_processed)

    @property
    def false_alert_rate_per_alert(self) -> str:
        return rate(self.false_alerts, self.alerts)

    def as_dict(self) -> dict:
        return {
            "period": self.period,
            "deployments": self.deployments,
            **{k: getattr(self, k) for k in SUMMED},
            "false_alert_rate_per_face_processed": self.false_alert_rate_per_face_processed,
            "false_alert_rate_per_alert": self.false_alert_rate_per_alert,
        }


def totals(records: list[dict], *, by: str) -> list[Totals]:
    """Totals per month ("YYYY-MM") or per year ("YYYY"), oldest first."""
    width = 7 if by == "month" else 4
    groups: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        groups[record["date"][:width]].append(record)
    return [
        Totals(
            period=period,
            deployments=len(items),
            **{k: sum(int(r[k]) for r in items) for k in SUMMED},
        )
        for period, items in sorted(groups.items())
    ]


def searches_per_month() -> list[dict]:
    """RFR searches run and OIFR checks made, per month: counts only."""
    months: dict[str, dict] = defaultdict(lambda: {"rfr_searches": 0, "oifr_checks": 0})
    rfr = (
        RetrospectiveSearch.objects.filter(run_at__isnull=False)
        .annotate(month=TruncMonth("run_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for item in rfr:
        months[f"{item['month']:%Y-%m}"]["rfr_searches"] = item["n"]
    oifr = (
        OperatorCheck.objects.annotate(month=TruncMonth("checked_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for item in oifr:
        months[f"{item['month']:%Y-%m}"]["oifr_checks"] = item["n"]
    return [{"month": m, **counts} for m, counts in sorted(months.items())]


def criteria() -> dict:
    """The force's watchlist categories and deployment criteria, as published."""
    return {
        "categories": [label for _, label in WatchlistCategory.choices],
        "locations": [label for _, label in LocationType.choices],
    }


def model_in_use() -> dict | None:
    """The model in use with its equitability report: per-group FPIR at each threshold, and
    the minimum threshold the platform derives from it."""
    from biometric_engine.engine import default_model_version

    model = default_model_version()
    stored = floor_report(model_version=model)
    if stored is None:
        return {"model_version": model, "report": None}
    report = stored.report or {}
    groups = []
    for grouping, data in (report.get("groupings") or {}).items():
        for name, group in (data.get("groups") or {}).items():
            groups.append(
                {
                    "grouping": grouping,
                    "group": name,
                    "rows": [
                        {
                            "threshold": r["threshold"],
                            "fpir": r["fpir"]["rate"],
                            "low": r["fpir"]["ci_low"],
                            "high": r["fpir"]["ci_high"],
                            "searches": r["fpir"]["searches"],
                        }
                        for r in group.get("by_threshold", [])
                    ],
                }
            )
    return {
        "model_version": model,
        "report": {
            "created_at": timezone.localtime(stored.created_at),
            "dataset": stored.dataset,
            "minimum_threshold": stored.minimum_threshold,
            "thresholds": report.get("thresholds", []),
            "watchlist_size": report.get("watchlist_size"),
            "groups": groups,
        },
    }


def schema() -> list[dict]:
    return [{"name": k, "heading": h, "meaning": m} for k, h, m in COLUMNS]
