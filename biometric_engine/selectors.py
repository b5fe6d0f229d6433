"""Reads of the engine's records for pages and for other apps' rules."""

from decimal import Decimal

from django.db.models import QuerySet

from biometric_engine.models import EquitabilityReport

VIEW_REPORTS = "biometric_engine.view_equitabilityreport"


def latest_equitability_report(*, model_version: str) -> EquitabilityReport | None:
    return (
        EquitabilityReport.objects.filter(model_version=model_version)
        .order_by("-created_at", "-pk")
        .first()
    )


def minimum_threshold_for(*, model_version: str) -> Decimal | None:
    """The minimum threshold of the latest equitability report for this model version.

    None when no report exists, or when the latest could not determine one: either way no
    threshold of that model is known to be equitable, and the caller must treat it so.
    """
    report = latest_equitability_report(model_version=model_version)
    return None if report is None else report.minimum_threshold


def equitability_reports_visible_to(*, user) -> QuerySet[EquitabilityReport]:
    """Every report for those holding the view permission (they are not per object)."""
    if not user.has_perm(VIEW_REPORTS):
        return EquitabilityReport.objects.none()
    return EquitabilityReport.objects.select_related("created_by").order_by("-created_at", "-pk")
