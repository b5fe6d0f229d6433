"""Every text field bounded, in the model (so the services refuse it from any caller), the
form and the serializer."""

import pytest

from authority import services
from authority.models import Application
from authority.models.limits import STATEMENT_CHARS
from common.errors import InvalidInput
from tests.authority.fixtures import unchanged


@pytest.mark.django_db
def test_a_megabyte_in_a_form_field_is_refused(client, draft, applicant):
    client.force_login(applicant)
    response = client.post(
        f"/applications/{draft.pk}/edit/case/",
        {"intelligence_case": "x", "necessity": "n" * 1_000_000, "proportionality": "p"},
    )
    assert response.status_code == 200
    assert f"at most {STATEMENT_CHARS} characters" in response.content.decode()
    draft.refresh_from_db()
    assert len(draft.necessity) < 1000


@pytest.mark.django_db
def test_the_api_refuses_six_megabytes_of_necessity(api_client, applicant):
    api_client.force_authenticate(applicant)
    response = api_client.post(
        "/api/v1/applications/",
        {"mode": "lfr", "operation_name": "Big", "necessity": "x" * 6_000_000},
        format="json",
    )
    assert response.status_code == 400 and "necessity" in response.json()
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_service_refuses_an_overlong_statement_from_any_caller(draft, applicant):
    with unchanged(draft), pytest.raises(InvalidInput, match="Shorten this to 20000"):
        services.update_application(
            application=draft, by=applicant, necessity="x" * (STATEMENT_CHARS + 1)
        )
