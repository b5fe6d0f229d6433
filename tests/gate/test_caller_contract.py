"""The gate's contract with its callers: outside any transaction, every event carrying the
caller's run id, and the caller's rows for a match committed with its candidates_found event."""

import json

import pytest
from django.db import transaction

from common.errors import InvalidInput
from gate.checks import EngineCallInTransaction, EngineRefused
from gate.search import search_frame
from oversight.ledger import record_event
from oversight.models import LedgerEntry
from tests.gate.fixtures import read
from tests.gate.test_gate import CountingBackend, frame_call


@pytest.fixture
def counting():
    return CountingBackend()


def _head() -> int:
    return LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_an_engine_call_inside_an_open_transaction_is_refused(scope, live, watchlist, counting):
    before = _head()
    with pytest.raises(EngineCallInTransaction, match="outside any"), transaction.atomic():
        frame_call(scope, watchlist, live, counting)()
    assert counting.calls == 0
    assert _head() == before, "nothing a caller's rollback could erase was written"


def test_every_event_of_a_call_carries_the_callers_run_id(scope, live, watchlist, counting):
    frame_call(scope, watchlist, live, counting, run_id="deployment-7:camera-2")()
    run = LedgerEntry.objects.filter(action="engine.search_run").last()
    assert json.loads(run.payload)["run_id"] == "deployment-7:camera-2"
    with pytest.raises(EngineRefused):
        frame_call(None, watchlist, live, counting, run_id="deployment-7:camera-2")()
    refused = LedgerEntry.objects.filter(action="engine.search_refused").last()
    assert json.loads(refused.payload)["run_id"] == "deployment-7:camera-2"


@pytest.mark.parametrize("run_id", ["", " x", "a" * 65, "run\nid", 7])
def test_a_malformed_run_id_is_refused_before_anything_runs(
    scope, live, watchlist, counting, run_id
):
    before = _head()
    with pytest.raises(InvalidInput) as caught:
        frame_call(scope, watchlist, live, counting, run_id=run_id)()
    assert caught.value.field == "run_id" and counting.calls == 0 and _head() == before


def test_a_frame_search_returns_each_faces_box_and_no_more(scope, live, watchlist, counting):
    """Boxes (whole pixels, by probe index) let a deployment follow a face between frames;
    the result holds no vector and no pixels."""
    from tests.watchlists import images

    result = frame_call(scope, watchlist, live, counting, image=images.group_photo())()
    assert len(result.boxes) == result.faces_processed >= 5
    for box in result.boxes:
        assert len(box) == 4 and all(type(v) is int for v in box)
    blank = frame_call(scope, watchlist, live, counting)()
    assert (blank.faces_processed, blank.boxes) == (0, ())


def test_by_is_required_at_every_entry_point():
    with pytest.raises(TypeError, match="by"):
        search_frame(scope=None, image=b"", gallery_id=1, location_id=1)


@pytest.mark.images
def test_the_callers_rows_commit_with_the_candidates_found_event(
    lfw_dir, scope, live, watchlist, enrolled_watchlist, operator
):
    seen = []

    def raise_alert(result):
        seen.append(result)
        record_event(actor=operator, action="alert.raised", subject=live, payload={"candidates": 1})

    search_frame(
        scope=scope,
        image=read(lfw_dir, "Jacques_Rogge/Jacques_Rogge_0003.jpg"),
        gallery_id=watchlist.pk,
        location_id=live.locations.first().pk,
        by=operator,
        run_id="deployment-7",
        on_candidates=raise_alert,
    )
    assert len(seen) == 1 and seen[0].candidates
    found, alert = LedgerEntry.objects.order_by("-seq")[:2][::-1]
    assert (found.action, alert.action) == ("engine.candidates_found", "alert.raised")
    assert alert.seq == found.seq + 1
    assert json.loads(found.payload)["run_id"] == "deployment-7"


@pytest.mark.images
def test_a_failing_caller_rolls_back_its_rows_and_the_match_but_is_ledgered(
    lfw_dir, scope, live, watchlist, enrolled_watchlist, operator
):
    before = _head()

    def broken(result):
        record_event(actor=operator, action="alert.raised", subject=live, payload={})
        raise ValueError("the alert table is full")

    with pytest.raises(ValueError, match="alert table"):
        search_frame(
            scope=scope,
            image=read(lfw_dir, "Jacques_Rogge/Jacques_Rogge_0003.jpg"),
            gallery_id=watchlist.pk,
            location_id=live.locations.first().pk,
            by=operator,
            run_id="deployment-7",
            on_candidates=broken,
        )
    actions = list(
        LedgerEntry.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["engine.caller_failed"]
    failed = json.loads(LedgerEntry.objects.get(seq__gt=before).payload)
    assert failed["error"] == "ValueError" and failed["run_id"] == "deployment-7"
