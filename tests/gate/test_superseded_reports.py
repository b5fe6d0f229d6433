"""A floor derived under the superseded rule ("no significant difference") is shown, marked so,
but never enforced: neither the selectors nor the gate's one-query check take it."""

from decimal import Decimal

import pytest

from biometric_engine.engine import default_model_version
from biometric_engine.models import EquitabilityReport
from biometric_engine.selectors import floor_report, floor_summary, minimum_threshold_for
from gate.selectors import gate_state


@pytest.fixture
def superseded(db):
    return EquitabilityReport.objects.create(
        model_version=default_model_version(),
        dataset="an old report",
        thresholds=[0.3, 0.5],
        minimum_threshold=Decimal("0.300"),
        group_count=2,
        report_version=1,
        report={"protocol": {}},
    )


def test_a_superseded_floor_is_never_enforced(superseded, authorised, operator):
    model = default_model_version()
    assert floor_report(model_version=model) is None
    assert minimum_threshold_for(model_version=model) is None
    state = gate_state(
        authority_id=authorised.pk,
        gallery_id=0,
        model_version=model,
        holder_id=operator.pk,
        role="lfr_operator",
    )
    assert state.report_id is None and state.report_minimum is None


def test_a_superseded_report_is_still_shown_marked_so(superseded):
    summary = floor_summary(model_version=default_model_version())
    assert summary is not None and summary["current_format"] is False


def test_a_current_report_is_enforced_over_an_older_superseded_one(
    superseded, equitability_recorded, authorised, operator
):
    assert floor_report(model_version=default_model_version()) == equitability_recorded
    state = gate_state(
        authority_id=authorised.pk,
        gallery_id=0,
        model_version=default_model_version(),
        holder_id=operator.pk,
        role="lfr_operator",
    )
    assert state.report_id == equitability_recorded.pk
