import pytest
from django.core.management import call_command

from authority.demo import DEMO_PEOPLE
from authority.models import User
from common.roles import Role


@pytest.mark.django_db
def test_seed_demo_covers_every_role_and_is_idempotent(capsys):
    call_command("seed_demo", password="demo-pass-for-tests")
    first = capsys.readouterr().out
    call_command("seed_demo", password="demo-pass-for-tests")
    assert User.objects.count() == len(DEMO_PEOPLE)
    covered = {role for user in User.objects.all() for role in user.roles}
    assert covered == set(Role)
    assert "demo-pass-for-tests" in first and "superintendent" in first
    assert User.objects.get(username="superintendent").check_password("demo-pass-for-tests")
