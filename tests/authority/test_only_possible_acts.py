"""Pages offer only what the person may do now (policies.permitted_actions)."""

import pytest

from authority import services
from tests.authority.fixtures import draft_application


@pytest.mark.django_db
def test_an_inspector_deciding_an_urgent_application_is_offered_only_what_they_may_do(
    client, applicant, inspector, commanders
):
    app = draft_application(
        applicant,
        inspector,
        commanders,
        is_urgent=True,
        urgency_reason="Risk to life.",
        advance_notice=False,
        no_notice_reason="critical_threat_to_life",
    )
    services.submit_application(application=app, by=applicant)
    client.force_login(inspector)
    html = client.get(f"/applications/{app.pk}/decide/").content.decode()
    assert 'value="urgent"' in html and 'value="refuse"' in html
    assert 'value="authorise"' not in html


@pytest.mark.django_db
def test_acts_not_possible_now_are_not_offered(client, authorised, superintendent):
    client.force_login(superintendent)
    detail = client.get(f"/applications/{authorised.pk}/").content.decode()
    assert "/ratify/" not in detail and "/resume/" not in detail and "/halt/" in detail
    for act in ("ratify", "resume"):
        response = client.get(f"/applications/{authorised.pk}/{act}/")
        assert response.status_code == 302 and "<form" not in response.content.decode()
