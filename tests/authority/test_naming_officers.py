"""Officers by name: the history shows names, pickers offer only eligible officers (by rank
and role), and an applicant can look up whom they may name."""

import pytest

from authority import services
from authority.errors import (
    OfficerNotEligible,
)
from authority.models import Rank
from tests.authority.fixtures import unchanged
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_history_names_officers_never_their_ids(client, draft, applicant, commanders):
    replacement = UserFactory(
        username="gold2", first_name="Grace", last_name="Obi", rank=Rank.SUPERINTENDENT
    )
    services.update_application(application=draft, by=applicant, gold_commander=replacement)
    client.force_login(applicant)
    html = client.get(f"/applications/{draft.pk}/").content.decode()
    assert f"{commanders['gold_commander'].display_name} → {replacement.display_name}" in html
    assert f"gold_commander</code>: {commanders['gold_commander'].pk}" not in html
    assert "Gold commander</span>:" in html


@pytest.mark.django_db
def test_commander_pickers_offer_only_eligible_officers(client, draft, applicant, commanders):
    constable = UserFactory(username="pc", first_name="Pat", last_name="Constable")
    client.force_login(applicant)
    html = client.get(f"/applications/{draft.pk}/edit/command/").content.decode()
    gold = html[
        html.index('name="gold_commander"') : html.index(
            "</select>", html.index('name="gold_commander"')
        )
    ]
    silver = html[
        html.index('name="silver_commander"') : html.index(
            "</select>", html.index('name="silver_commander"')
        )
    ]
    assert str(commanders["gold_commander"]) in gold
    assert str(constable) not in gold and str(applicant) not in gold
    assert str(commanders["bronze_commander"]) not in silver  # an Inspector without the role
    assert str(commanders["silver_commander"]) in silver


@pytest.mark.django_db
def test_a_constable_cannot_be_named_a_commander(draft, applicant, api_client):
    constable = UserFactory(username="pc")
    with unchanged(draft), pytest.raises(OfficerNotEligible, match="Sergeant or above"):
        services.update_application(application=draft, by=applicant, bronze_commander=constable)
    api_client.force_authenticate(applicant)
    response = api_client.patch(
        f"/api/v1/applications/{draft.pk}/", {"gold_commander": applicant.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["field"] == "gold_commander"


@pytest.mark.django_db
def test_an_applicant_looks_up_the_officers_they_may_name(
    api_client, applicant, superintendent, commanders
):
    constable = UserFactory(username="pc")
    api_client.force_authenticate(applicant)
    response = api_client.get("/api/v1/officers/", {"eligible_for": "silver_commander"})
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [commanders["silver_commander"].pk]
    assert rows[0]["eligible_for"] == ["silver_commander", "bronze_commander"]
    assert "username" not in rows[0]
    everyone = {r["id"] for r in api_client.get("/api/v1/officers/").json()["results"]}
    assert superintendent.pk in everyone and constable.pk not in everyone
    assert applicant.pk not in everyone
