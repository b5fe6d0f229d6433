"""Every malformed condition body is a 400 naming the field, never a 500 (probe, issue 20).

Repro: 15 of 22 hand-made bodies for `authorise`, such as {"kind": "threshold", "value": "abc"},
or null, lists or numbers for size, window, locations and categories, raised server errors.
"""

from decimal import Decimal

import pytest

from authority.errors import InvalidCondition
from authority.rules import ConditionSpec, narrow_scope, requested_scope
from oversight.models import LedgerEntry
from tests.authority.fixtures import unchanged

MALFORMED_CONDITIONS = [
    {"kind": "threshold", "text": "t", "value": "abc"},
    {"kind": "threshold", "text": "t", "value": None},
    {"kind": "threshold", "text": "t", "value": [0.7]},
    {"kind": "threshold", "text": "t", "value": {"v": 0.7}},
    {"kind": "threshold", "text": "t", "value": "NaN"},
    {"kind": "threshold", "text": "t", "value": "Infinity"},
    {"kind": "threshold", "text": "t", "value": True},
    {"kind": "watchlist_size", "text": "t", "value": None},
    {"kind": "watchlist_size", "text": "t", "value": "ten"},
    {"kind": "watchlist_size", "text": "t", "value": [5]},
    {"kind": "watchlist_size", "text": "t", "value": 2.5},
    {"kind": "watchlist_size", "text": "t", "value": {"n": 5}},
    {"kind": "window", "text": "t", "value": None},
    {"kind": "window", "text": "t", "value": "tomorrow"},
    {"kind": "window", "text": "t", "value": [1, 2]},
    {"kind": "window", "text": "t", "value": {"start": "2026-01-01T00:00:00Z"}},
    {"kind": "window", "text": "t", "value": {"start": "x", "end": "y"}},
    {"kind": "window", "text": "t", "value": 12},
    {"kind": "locations", "text": "t", "value": None},
    {"kind": "locations", "text": "t", "value": 5},
    {"kind": "locations", "text": "t", "value": ["a"]},
    {"kind": "locations", "text": "t", "value": "1,2"},
    {"kind": "locations", "text": "t", "value": {"id": 1}},
    {"kind": "categories", "text": "t", "value": None},
    {"kind": "categories", "text": "t", "value": 7},
    {"kind": "categories", "text": "t", "value": [1, 2]},
    {"kind": "categories", "text": "t", "value": "wanted_by_courts"},
    {"kind": "safeguard", "text": "t", "value": 5},
    {"kind": "nope", "text": "t"},
    {"text": "no kind"},
    {"kind": "threshold", "value": 0.9},
]
MALFORMED_LISTS = [None, "threshold", 5, {"kind": "threshold"}, [1], [None], [[]], ["x"]]


def _post(api_client, application, conditions):
    return api_client.post(
        f"/api/v1/applications/{application.pk}/authorise/",
        {"reasons": "Necessary.", "conditions": conditions},
        format="json",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("condition", MALFORMED_CONDITIONS, ids=lambda c: str(c)[:60])
def test_a_malformed_condition_is_a_400_naming_the_field(
    api_client, consulted, superintendent, condition
):
    api_client.force_authenticate(superintendent)
    ledger = LedgerEntry.objects.count()
    with unchanged(consulted):
        response = _post(api_client, consulted, [condition])
    assert response.status_code == 400, response.content
    # DRF keys a list's errors by the item's index.
    errors = response.json()["conditions"]["0"]
    assert set(errors) <= {"kind", "text", "value"} and errors
    assert LedgerEntry.objects.count() == ledger


@pytest.mark.django_db
@pytest.mark.parametrize("conditions", MALFORMED_LISTS, ids=repr)
def test_a_malformed_conditions_list_is_a_400_naming_conditions(
    api_client, consulted, superintendent, conditions
):
    api_client.force_authenticate(superintendent)
    with unchanged(consulted):
        response = _post(api_client, consulted, conditions)
    assert response.status_code == 400, response.content
    assert "conditions" in response.json()


@pytest.mark.django_db
def test_well_formed_conditions_still_narrow_the_authority(api_client, consulted, superintendent):
    api_client.force_authenticate(superintendent)
    response = _post(
        api_client,
        consulted,
        [
            {"kind": "threshold", "text": "At least 0.7.", "value": "0.7"},
            {"kind": "watchlist_size", "text": "At most 20.", "value": 20},
            {"kind": "safeguard", "text": "Two officers per alert."},
        ],
    )
    assert response.status_code == 200, response.content
    decision = consulted.decisions.get()
    assert decision.threshold == Decimal("0.700") and decision.max_watchlist_size == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "value"),
    [("threshold", "abc"), ("watchlist_size", [1]), ("window", None), ("locations", "1"),
     ("categories", 3), ("nope", None)],
)  # fmt: skip
def test_the_rules_refuse_a_malformed_value_from_any_caller(consulted, kind, value):
    with pytest.raises(InvalidCondition) as caught:
        narrow_scope(requested_scope(consulted), [ConditionSpec(kind, "t", value)])
    assert caught.value.field == "conditions"
