"""The restricted intelligence case is masked wherever a value is shown (probe, issue 20).

Repro: the applicant changes the intelligence case on a returned application; the Silver
commander, who may read the application but not its restricted case, opened its history panel
and read both the old and the new text.
"""

import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from authority import services
from authority.models import Rank
from common.roles import Role
from oversight.redaction import MASK
from tests.factories import UserFactory

OLD = "RESTRICTED: source reporting on the suspects' Saturday routine."
NEW = "RESTRICTED: a second source now places them at the north entrance."


@pytest.fixture
def amended(submitted, superintendent, applicant, api_client):
    services.return_application(
        application=submitted, by=superintendent, reasons="Say more about the sources."
    )
    api_client.force_authenticate(applicant)
    response = api_client.patch(
        f"/api/v1/applications/{submitted.pk}/", {"intelligence_case": NEW}, format="json"
    )
    assert response.status_code == 200, response.content
    api_client.force_authenticate(None)
    submitted.refresh_from_db()
    assert submitted.intelligence_case == NEW
    return submitted


def _readers(application, commanders):
    engagement = UserFactory(rank=Rank.CONSTABLE, roles=[Role.ENGAGEMENT_OFFICER])
    second_superintendent = UserFactory(rank=Rank.SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER])
    for reader in (engagement, second_superintendent):
        assign_perm("authority.view_application", reader, application)
    return [commanders["silver_commander"], engagement, second_superintendent]


@pytest.mark.django_db
def test_history_panel_masks_the_intelligence_case_for_readers_without_the_right(
    client, amended, commanders
):
    for reader in _readers(amended, commanders):
        client.force_login(reader)
        page = client.get(f"/applications/{amended.pk}/").content.decode()
        assert "Intelligence case</span>:" in page, "the change itself is still shown"
        assert OLD not in page and NEW not in page and OLD[:40] not in page
        assert MASK in page


@pytest.mark.django_db
def test_the_applicant_and_the_decider_still_read_the_change(client, amended, superintendent):
    for reader in (amended.applicant, superintendent):
        client.force_login(reader)
        page = client.get(f"/applications/{amended.pk}/").content.decode()
        assert NEW[:50] in page


@pytest.mark.django_db
def test_api_masks_the_field_for_every_reader_without_the_right(api_client, amended, commanders):
    for reader in _readers(amended, commanders):
        api_client.force_authenticate(reader)
        body = api_client.get(f"/api/v1/applications/{amended.pk}/").content.decode()
        assert NEW not in body and OLD not in body
        listing = api_client.get("/api/v1/applications/").content.decode()
        assert NEW not in listing and OLD not in listing


@pytest.mark.django_db
def test_oversight_field_history_masks_for_an_inspector_without_the_right(client, amended):
    # An inspecting account that may read the ledger but not restricted cases.
    inspector = UserFactory(rank=Rank.CHIEF_INSPECTOR)
    inspector.user_permissions.add(
        Permission.objects.get(codename="inspect_ledger", content_type__app_label="oversight")
    )
    client.force_login(inspector)
    page = client.get(f"/oversight/objects/authority/application/{amended.pk}/").content.decode()
    assert "Field-level history" in page
    assert OLD not in page and NEW not in page
    assert MASK in page


@pytest.mark.django_db
def test_oversight_with_the_right_reads_the_history(client, amended, oversight_user):
    client.force_login(oversight_user)
    page = client.get(f"/oversight/objects/authority/application/{amended.pk}/").content.decode()
    assert NEW in page and OLD[:40] in page
