"""What a model's own 1:N figures predict: the false alerts expected for a deployment.

FPIR (the share of searches of people not on the watchlist that alert at or above the
threshold) is measured by the model's equitability report at the report's watchlist size. It
grows with watchlist size, roughly in proportion while it is small, so for a watchlist of N
the rate is scaled by N / N_measured; expected false alerts are that rate times the faces
searched (the expected footfall when deciding, the faces processed afterwards). The report's
row used is the highest threshold measured at or below the authority's (FPIR falls as the
threshold rises, so a lower row overstates, never understates). The measurement's n (non-mated
searches) and its 95 % interval are carried along, and where the report is too thin to say
much, the result says so in words.

Read by the authorisation page (for the asked watchlist size, threshold and footfall) and by
the post-deployment review (beside the false alerts observed).
"""

from decimal import Decimal

from biometric_engine.selectors import floor_report

# Below this many observed false alerts in the report, the rate is a rough estimate.
FEW_ERRORS = 10


def _row(report: dict, threshold: float) -> dict | None:
    rows = [r for r in report.get("overall", []) if float(r["threshold"]) <= threshold + 1e-9]
    return max(rows, key=lambda r: float(r["threshold"])) if rows else None


def expectation(
    *, model_version: str, threshold: Decimal | float | None, watchlist_size: int, faces: int
) -> dict:
    """Expected false alerts for ``faces`` searched against ``watchlist_size`` people at
    ``threshold`` of ``model_version``: the figure, its interval, n, and plain-words caveats.
    ``{"available": False, "thin": [...]}`` when no report can give one."""
    stored = floor_report(model_version=model_version) if model_version else None
    if stored is None or threshold is None:
        return {
            "available": False,
            "thin": [f"No equitability report comparing groups exists for {model_version}."],
        }
    report = stored.report
    row = _row(report, float(threshold))
    if row is None:
        return {
            "available": False,
            "report_id": stored.pk,
            "thin": [f"The report measured no threshold at or below {threshold}."],
        }
    fpir = row["fpir"]
    measured_size = int(report.get("watchlist_size") or 0) or 1
    scale = watchlist_size / measured_size
    thin = []
    if fpir["errors"] == 0:
        thin.append(
            f"The report saw no false alert in {fpir['searches']:,} non-mated searches at "
            f"{row['threshold']}: the expectation is only an upper bound."
        )
    elif fpir["errors"] < FEW_ERRORS:
        thin.append(
            f"The report saw only {fpir['errors']} false alert(s) in {fpir['searches']:,} "
            "searches: the expected figure is a rough estimate; read the interval."
        )
    if watchlist_size > measured_size:
        thin.append(
            f"The report measured a watchlist of {measured_size:,}; this one holds "
            f"{watchlist_size:,}: the rate is scaled up in proportion, an extrapolation."
        )
    return {
        "available": True,
        "report_id": stored.pk,
        "model_version": model_version,
        "threshold": str(threshold),
        "report_threshold": row["threshold"],
        "report_watchlist_size": measured_size,
        "watchlist_size": watchlist_size,
        "faces": faces,
        "n": int(fpir["searches"]),
        "errors": int(fpir["errors"]),
        "fpir": fpir["rate"],
        "fpir_low": fpir["ci_low"],
        "fpir_high": fpir["ci_high"],
        "expected": round(faces * fpir["rate"] * scale, 2),
        "expected_low": round(faces * fpir["ci_low"] * scale, 2),
        "expected_high": round(faces * fpir["ci_high"] * scale, 2),
        "thin": thin,
    }
