"""The administrator's account page: only what can be done to this account, one id per element."""

import pytest

from common.roles import Role
from tests.factories import UserFactory
from tests.html import broken_references


@pytest.mark.django_db
def test_the_account_page_offers_only_what_can_be_done_to_that_account(client):
    admin = UserFactory(username="admin1", roles=[Role.ADMINISTRATOR])
    staff = UserFactory(username="someone", roles=[Role.APPLICANT])
    client.force_login(admin)
    html = client.get(f"/accounts/officers/{staff.pk}/").content.decode()
    assert "Disable the account" in html and "Enable the account" not in html
    withdraw = html[html.index("Withdraw a role") :]
    withdraw = withdraw[: withdraw.index("</form>")]
    assert 'value="applicant_officer"' in withdraw and 'value="oversight"' not in withdraw
    grant = html[html.index("Grant a role") : html.index("Withdraw a role")]
    assert 'value="applicant_officer"' not in grant and 'value="oversight"' not in grant


@pytest.mark.django_db
def test_the_account_page_has_one_id_per_element(client):
    admin = UserFactory(username="admin1", roles=[Role.ADMINISTRATOR])
    other = UserFactory(username="someone", roles=[Role.APPLICANT])
    client.force_login(admin)
    html = client.get(f"/accounts/officers/{other.pk}/").content.decode()
    assert broken_references(html) == []
