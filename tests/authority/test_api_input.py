"""Each API action takes its own fields and refuses any other with a 400 naming it.

Before: one shared decision serializer let `ratify` accept conditions and drop them silently.
"""

import pytest

from tests.authority.fixtures import unchanged

ACTIONS = [
    "submit", "authorise", "urgent-authorise", "refuse", "return", "ratify", "cancel", "halt",
    "resume", "consult", "renew", "review",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
def test_an_unknown_field_is_refused_by_name(api_client, consulted, superintendent, action):
    api_client.force_authenticate(superintendent)
    with unchanged(consulted):
        response = api_client.post(
            f"/api/v1/applications/{consulted.pk}/{action}/",
            {"reasons": "Go.", "surprise": 1},
            format="json",
        )
    assert response.status_code == 400, response.content
    assert response.json()["surprise"] == ["This field is not accepted here."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "field"),
    [("ratify", "conditions"), ("refuse", "conditions"), ("return", "review_by"),
     ("authorise", "superintendent_unavailable_reason"), ("urgent-authorise", "review_by")],
)  # fmt: skip
def test_a_field_of_another_action_is_refused(api_client, consulted, superintendent, action, field):
    api_client.force_authenticate(superintendent)
    value = [] if field == "conditions" else "x"
    with unchanged(consulted):
        response = api_client.post(
            f"/api/v1/applications/{consulted.pk}/{action}/",
            {"reasons": "Go.", field: value},
            format="json",
        )
    assert response.status_code == 400 and field in response.json()


@pytest.mark.django_db
def test_an_unknown_field_inside_a_condition_is_refused(api_client, consulted, superintendent):
    api_client.force_authenticate(superintendent)
    response = api_client.post(
        f"/api/v1/applications/{consulted.pk}/authorise/",
        {"reasons": "Go.", "conditions": [{"kind": "safeguard", "text": "x", "extra": 1}]},
        format="json",
    )
    assert response.status_code == 400
    assert "extra" in response.json()["conditions"]["0"]
