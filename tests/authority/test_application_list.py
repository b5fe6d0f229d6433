"""A list of applications carries what each is and where it stands, never its statements."""

import pytest

from authority.models import Application
from authority.models.limits import STATEMENT_CHARS


@pytest.mark.django_db
def test_a_list_of_applications_never_carries_their_statements(api_client, draft, applicant):
    Application.objects.filter(pk=draft.pk).update(necessity="n" * STATEMENT_CHARS)
    api_client.force_authenticate(applicant)
    listed = api_client.get("/api/v1/applications/")
    assert listed.status_code == 200
    row = listed.json()["results"][0]
    assert row["reference"] == draft.reference and row["status"] == "draft"
    assert "necessity" not in row and "intelligence_case" not in row and "locations" not in row
    assert len(listed.content) < 2_000
    assert len(api_client.get(f"/api/v1/applications/{draft.pk}/").json()["necessity"]) > 1000
