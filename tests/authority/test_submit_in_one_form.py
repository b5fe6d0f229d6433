"""Submitting is one action on one form: choose the authorising officer and submit."""

import pytest

from authority import services
from authority.models import ApplicationStatus
from tests.html import summary_links


@pytest.mark.django_db
def test_choosing_the_authorising_officer_and_submitting_is_one_action(
    client, draft, applicant, other_superintendent
):
    """Repro: choose the officer on the submit page and press Submit, without Save first."""
    services.update_application(application=draft, by=applicant, submitted_to=None)
    client.force_login(applicant)
    page = client.get(f"/applications/{draft.pk}/edit/submit/").content.decode()
    assert page.count('<form method="post"') == 1 + page.count('action="/accounts/logout/"')
    response = client.post(
        f"/applications/{draft.pk}/submit/", {"submitted_to": other_superintendent.pk}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert draft.submitted_to == other_superintendent


@pytest.mark.django_db
def test_a_refused_submission_lists_what_is_missing_with_links_to_it(client, draft, applicant):
    services.update_application(application=draft, by=applicant, necessity="", submitted_to=None)
    client.force_login(applicant)
    response = client.post(f"/applications/{draft.pk}/submit/", {"submitted_to": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose the authorising officer to submit to." in html
    assert f"/applications/{draft.pk}/edit/case/#id_necessity" in html
    assert "#id_submitted_to" in summary_links(html)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT
