"""The embedded demo's equitability report: LFW fold 1 measured with both label files (gender,
perceived ethnicity), kept in the repository as figures only (``fixtures/``), so a machine
without the data set still has a report, and with it a floor, for the bundled model.

The report was made under the demo's rule (tolerance 0.03, ``config/settings/local.py``); where
the production default of 0.02 is configured, ``record_equitability_report`` refuses it.
"""

import json
from functools import cache
from pathlib import Path

from biometric_engine.models import EquitabilityReport
from biometric_engine.services import record_equitability_report, report_sha256

DEMO_REPORT = Path(__file__).resolve().parent / "fixtures" / "equitability-lfw-fold1.json"
DEMO_DATASET = (
    "LFW fold 1 (807 images, 435 identities): gender (Afifi & Abdelhamed 2017) and perceived "
    "ethnicity (a classifier's outputs, Kumar et al. 2009); the demo's stored report"
)


@cache
def _demo_report_text() -> str:
    return DEMO_REPORT.read_text(encoding="utf-8")


def demo_equitability_report() -> dict:
    """The stored report (a fresh copy each call), with its ``provenance`` block."""
    return json.loads(_demo_report_text())


def load_demo_equitability_report(*, by=None) -> EquitabilityReport:
    """Record the demo's report through ``record_equitability_report`` (with its ledger
    event), or return the one already recorded: a report of the same model whose canonical
    JSON has the same SHA-256 means it is there, and nothing is written again.

    Raises ``InvalidInput`` where the configured rule is stricter than the report's (the
    production tolerance of 0.02). The report is for the bundled model version it names; an
    engine on another version does not take its floor.
    """
    report = demo_equitability_report()
    digest = report_sha256(report)
    for existing in EquitabilityReport.objects.filter(model_version=report["model"]):
        if report_sha256(existing.report) == digest:
            return existing
    return record_equitability_report(report=report, by=by, dataset=DEMO_DATASET)
