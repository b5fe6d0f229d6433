"""Accounts and roles change only through the audited services (probe, issue 20).

Repro: the demo `admin` account set is_superuser on itself in Django admin, added itself to
`oversight`, and set another officer's password, then signed in as them; the ledger recorded
none of it.
"""

import json

import pytest
from django.contrib.auth.models import Group

from authority import services
from authority.errors import AccountUnchanged, NotAnAdministrator, OwnAccount, RoleNotForAccount
from authority.models import AccountKind, Rank, User
from common.roles import Role
from oversight.models import LedgerEntry
from tests.factories import OversightFactory, StaffFactory, UserFactory

WHY = "Posted to the LFR team."


@pytest.fixture
def administrator(db):
    return services.grant_role(
        by=None, officer=StaffFactory(username="sam"), role=Role.ADMINISTRATOR, reasons="Test."
    )


@pytest.fixture
def constable(db):
    return UserFactory(username="pc", rank=Rank.CONSTABLE)


def _events(officer, action=None):
    entries = LedgerEntry.objects.filter(object_type="authority.user", object_id=str(officer.pk))
    return entries.filter(action=action) if action else entries


@pytest.mark.django_db
def test_django_admin_cannot_make_a_superuser_or_change_groups(client, administrator):
    client.force_login(administrator)
    url = f"/admin/authority/user/{administrator.pk}/change/"
    assert client.get(url).status_code == 200, "administrators can still read accounts"
    oversight = Group.objects.get(name=Role.OVERSIGHT.value)
    response = client.post(
        url,
        {
            "username": administrator.username,
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "groups": [oversight.pk],
            "kind": AccountKind.STAFF,
        },
    )
    assert response.status_code == 403
    administrator.refresh_from_db()
    assert not administrator.is_superuser
    assert not administrator.groups.filter(name=Role.OVERSIGHT.value).exists()
    assert client.post("/admin/auth/group/add/", {"name": "x"}).status_code == 403
    assert client.post("/admin/authority/user/add/", {"username": "x"}).status_code == 403


@pytest.mark.django_db
def test_django_admin_cannot_set_another_persons_password(client, administrator, constable):
    client.force_login(administrator)
    response = client.post(
        f"/admin/authority/user/{constable.pk}/password/",
        {"password1": "taken-over-2026!", "password2": "taken-over-2026!"},
        follow=True,
    )
    assert 'name="password1"' not in response.content.decode(), "no password form anywhere"
    constable.refresh_from_db()
    assert not constable.check_password("taken-over-2026!")
    assert constable.check_password("correct-horse-battery")


@pytest.mark.django_db
def test_a_history_revert_through_the_admin_is_refused(client, administrator, constable):
    record = constable.history.first()
    client.force_login(administrator)
    response = client.post(
        f"/admin/authority/user/{constable.pk}/history/{record.history_id}/",
        {"username": "renamed", "kind": AccountKind.OFFICER},
    )
    assert response.status_code == 403
    constable.refresh_from_db()
    assert constable.username == "pc"


@pytest.mark.django_db
def test_granting_and_withdrawing_a_role_is_ledgered_with_who_whom_what_why(
    administrator, constable
):
    services.grant_role(by=administrator, officer=constable, role=Role.LFR_OPERATOR, reasons=WHY)
    assert User.objects.get(pk=constable.pk).has_role(Role.LFR_OPERATOR)
    services.withdraw_role(
        by=administrator, officer=constable, role=Role.LFR_OPERATOR, reasons="Left the team."
    )
    assert not User.objects.get(pk=constable.pk).has_role(Role.LFR_OPERATOR)
    granted, withdrawn = (
        _events(constable, "account.role_granted").get(),
        _events(constable, "account.role_withdrawn").get(),
    )
    assert granted.actor_id == administrator.pk and granted.role == "administrator"
    assert json.loads(granted.payload) == {"role": "lfr_operator", "reasons": WHY}
    assert json.loads(withdrawn.payload)["reasons"] == "Left the team."


@pytest.mark.django_db
def test_nobody_changes_their_own_account(administrator):
    with pytest.raises(OwnAccount):
        services.grant_role(
            by=administrator, officer=administrator, role=Role.OVERSIGHT, reasons="x"
        )
    with pytest.raises(OwnAccount):
        services.disable_account(by=administrator, officer=administrator, reasons="x")


@pytest.mark.django_db
def test_only_an_administrator_changes_accounts(constable):
    superintendent = UserFactory(rank=Rank.SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER])
    before = LedgerEntry.objects.count()
    with pytest.raises(NotAnAdministrator):
        services.grant_role(
            by=superintendent, officer=constable, role=Role.LFR_OPERATOR, reasons="x"
        )
    assert LedgerEntry.objects.count() == before
    assert not User.objects.get(pk=constable.pk).has_role(Role.LFR_OPERATOR)


@pytest.mark.django_db
def test_a_role_must_fit_the_account(administrator, constable):
    with pytest.raises(RoleNotForAccount, match="at least Inspector"):
        services.grant_role(
            by=administrator, officer=constable, role=Role.AUTHORISING_OFFICER, reasons="x"
        )
    with pytest.raises(RoleNotForAccount, match="oversight"):
        services.grant_role(by=administrator, officer=constable, role=Role.OVERSIGHT, reasons="x")
    with pytest.raises(RoleNotForAccount, match="oversight"):
        services.grant_role(
            by=administrator,
            officer=OversightFactory(roles=[]),
            role=Role.LFR_OPERATOR,
            reasons="x",
        )
    with pytest.raises(AccountUnchanged):
        services.withdraw_role(
            by=administrator, officer=constable, role=Role.LFR_OPERATOR, reasons="x"
        )


@pytest.mark.django_db
def test_a_demotion_below_a_held_roles_rank_is_refused(administrator):
    inspector = UserFactory(rank=Rank.INSPECTOR, roles=[Role.AUTHORISING_OFFICER])
    with pytest.raises(RoleNotForAccount, match="withdraw it first"):
        services.change_rank(
            by=administrator, officer=inspector, rank=Rank.SERGEANT, reasons="Demoted."
        )
    services.change_rank(
        by=administrator, officer=inspector, rank=Rank.CHIEF_INSPECTOR, reasons="Promoted."
    )
    event = _events(inspector, "account.rank_changed").get()
    assert json.loads(event.payload) == {"from": 30, "to": 40, "reasons": "Promoted."}


@pytest.mark.django_db
def test_a_disabled_account_cannot_sign_in_and_is_ledgered(client, administrator, constable):
    services.disable_account(by=administrator, officer=constable, reasons="Suspended.")
    assert not client.login(username="pc", password="correct-horse-battery")
    services.enable_account(by=administrator, officer=constable, reasons="Reinstated.")
    assert client.login(username="pc", password="correct-horse-battery")
    assert [e.action for e in _events(constable).order_by("seq")][-2:] == [
        "account.disabled",
        "account.enabled",
    ]


@pytest.mark.django_db
def test_roles_change_through_the_api_and_unknown_fields_are_refused(
    api_client, administrator, constable
):
    api_client.force_authenticate(administrator)
    url = f"/api/v1/officers/{constable.pk}/grant-role/"
    refused = api_client.post(
        url, {"role": "lfr_operator", "reasons": WHY, "is_superuser": True}, format="json"
    )
    assert refused.status_code == 400 and "is_superuser" in refused.json()
    response = api_client.post(url, {"role": "lfr_operator", "reasons": WHY}, format="json")
    assert response.status_code == 200, response.content
    assert "lfr_operator" in response.json()["roles"]
    own = api_client.post(
        f"/api/v1/officers/{administrator.pk}/grant-role/",
        {"role": "oversight", "reasons": "x"},
        format="json",
    )
    assert own.status_code == 403 and own.json()["code"] == "own_account"


@pytest.mark.django_db
def test_a_non_administrator_cannot_change_roles_through_the_api(api_client, constable):
    api_client.force_authenticate(constable)
    response = api_client.post(
        f"/api/v1/officers/{constable.pk}/grant-role/",
        {"role": "oversight", "reasons": "x"},
        format="json",
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_administrator_grants_a_role_on_the_accounts_page(client, administrator, constable):
    client.force_login(administrator)
    assert "Accounts" in client.get("/").content.decode()
    page = client.get(f"/accounts/officers/{constable.pk}/")
    assert page.status_code == 200
    response = client.post(
        f"/accounts/officers/{constable.pk}/grant-role/", {"role": "lfr_operator", "reasons": WHY}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=constable.pk).has_role(Role.LFR_OPERATOR)
    refused = client.post(
        f"/accounts/officers/{constable.pk}/grant-role/",
        {"role": "authorising_officer", "reasons": WHY},
    )
    assert "at least Inspector" in refused.content.decode()


@pytest.mark.django_db
def test_the_accounts_pages_are_for_administrators_only(client, constable):
    client.force_login(constable)
    assert client.get("/accounts/officers/").status_code == 403
    assert (
        client.post(
            f"/accounts/officers/{constable.pk}/grant-role/", {"role": "oversight", "reasons": "x"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_oversight_lists_who_held_which_role_when(client, administrator, constable, oversight_user):
    services.grant_role(by=administrator, officer=constable, role=Role.LFR_OPERATOR, reasons=WHY)
    services.withdraw_role(
        by=administrator, officer=constable, role=Role.LFR_OPERATOR, reasons="Left."
    )
    services.grant_role(
        by=administrator, officer=constable, role=Role.LFR_OPERATOR, reasons="Back again."
    )
    client.force_login(oversight_user)
    page = client.get(
        "/oversight/registers/role-holdings/", {"account": constable.pk, "role": "lfr_operator"}
    ).content.decode()
    assert page.count("<code>lfr_operator</code>") == 2
    assert "Still held" in page and "Back again." in page and WHY in page
    assert "withdrawn by" in page
    client.force_login(constable)
    assert client.get("/oversight/registers/role-holdings/").status_code == 403
