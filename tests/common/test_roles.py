import pytest
from django.contrib.auth.models import Group

from common.roles import Role, sync_role_groups
from tests.factories import OversightFactory, StaffFactory, UserFactory


@pytest.mark.django_db
def test_every_role_is_a_group_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert len(Role) == 12


@pytest.mark.django_db
def test_oversight_role_reads_and_changes_nothing():
    codenames = set(
        Group.objects.get(name=Role.OVERSIGHT).permissions.values_list("codename", flat=True)
    )
    assert codenames, "oversight must be able to read"
    assert all(code.startswith(("view_", "inspect_")) for code in codenames)


@pytest.mark.django_db
def test_only_the_administrator_role_manages_accounts():
    admin = StaffFactory(roles=[Role.ADMINISTRATOR])
    assert admin.has_perm("authority.change_user")
    for role in Role:
        if role is Role.ADMINISTRATOR:
            continue
        person = UserFactory(roles=[role])
        assert not person.has_perm("authority.change_user"), role
        assert not person.has_perm("authority.add_user"), role


@pytest.mark.django_db
def test_an_account_without_a_role_has_no_permissions():
    assert UserFactory().get_all_permissions() == set()


@pytest.mark.django_db
def test_sync_removes_a_permission_granted_by_hand():
    group = Group.objects.get(name=Role.OVERSIGHT)
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="change_user"))
    sync_role_groups()
    assert not OversightFactory().has_perm("authority.change_user")


@pytest.mark.django_db
def test_roles_property_reads_groups():
    person = UserFactory(roles=[Role.APPLICANT, Role.INVESTIGATOR])
    assert person.roles == {Role.APPLICANT, Role.INVESTIGATOR}
    assert person.has_role(Role.APPLICANT) and not person.has_role(Role.OVERSIGHT)
