"""Reads of the engine's records for pages and for other apps' rules."""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from biometric_engine.models import EnrolledFace, EquitabilityReport

VIEW_REPORTS = "biometric_engine.view_equitabilityreport"


# A report compares groups only when it has two or more; one without is an accuracy report
# and neither sets nor lifts a model's equitable minimum.
GROUPS_TO_COMPARE = 2


def floor_report(*, model_version: str) -> EquitabilityReport | None:
    """The latest report for this model that compares groups: the one its floor comes from."""
    return (
        EquitabilityReport.objects.filter(
            model_version=model_version, group_count__gte=GROUPS_TO_COMPARE
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
            f"The latest equitability report for {model_version} finds groups treated "
            "differently at every threshold it measured.",
        )
    if minimum is not None and threshold < minimum:
        return (
            "threshold_below_equitable_minimum",
            f"A threshold of {threshold} is below {minimum}, the lowest at which the "
            f"equitability report for {model_version} finds no significant difference between "
            "groups.",
        )
    return None
