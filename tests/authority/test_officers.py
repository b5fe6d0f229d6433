import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from authority.models import AccountKind, Rank, User
from tests.factories import OversightFactory, StaffFactory, UserFactory


def test_ranks_are_ordered_so_at_least_superintendent_is_a_comparison():
    ordered = list(Rank)
    assert ordered[0] == Rank.CONSTABLE and ordered[-1] == Rank.COMMISSIONER
    assert [r.value for r in ordered] == sorted(r.value for r in ordered)
    assert Rank.INSPECTOR < Rank.SUPERINTENDENT < Rank.CHIEF_SUPERINTENDENT < Rank.COMMANDER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rank", "expected"),
    [
        (Rank.INSPECTOR, False),
        (Rank.CHIEF_INSPECTOR, False),
        (Rank.SUPERINTENDENT, True),
        (Rank.COMMANDER, True),
    ],
)
def test_has_rank_at_least_superintendent(rank, expected):
    officer = UserFactory(rank=rank)
    assert officer.has_rank_at_least(Rank.SUPERINTENDENT) is expected


@pytest.mark.django_db
def test_staff_and_oversight_accounts_hold_no_rank():
    assert not StaffFactory().has_rank_at_least(Rank.CONSTABLE)
    assert not OversightFactory().has_rank_at_least(Rank.CONSTABLE)


@pytest.mark.django_db
def test_officer_without_rank_is_invalid_in_form_and_database():
    officer = User(username="norank", kind=AccountKind.OFFICER, warrant_number="X1")
    with pytest.raises(ValidationError, match="must have a rank"):
        officer.full_clean()
    with pytest.raises(IntegrityError):
        officer.save()


@pytest.mark.django_db
def test_non_officer_cannot_hold_a_rank():
    staff = User(username="staffrank", kind=AccountKind.STAFF, rank=Rank.SUPERINTENDENT)
    with pytest.raises(ValidationError, match="Only police officers hold a rank"):
        staff.full_clean()
    with pytest.raises(IntegrityError):
        staff.save()


@pytest.mark.django_db
def test_warrant_numbers_are_unique():
    UserFactory(warrant_number="MP9999")
    with pytest.raises(IntegrityError):
        UserFactory(warrant_number="MP9999")


@pytest.mark.django_db
def test_display_name_shows_rank_for_officers_only():
    officer = UserFactory(first_name="Ben", last_name="Okafor", rank=Rank.SUPERINTENDENT)
    assert officer.display_name == "Superintendent Ben Okafor"
    assert StaffFactory(first_name="Kai", last_name="Lindqvist").display_name == "Kai Lindqvist"


@pytest.mark.django_db
def test_account_changes_are_kept_in_row_history():
    officer = UserFactory(rank=Rank.INSPECTOR)
    officer.rank = Rank.CHIEF_INSPECTOR
    officer.save()
    ranks = list(officer.history.order_by("history_date").values_list("rank", flat=True))
    assert ranks[-2:] == [Rank.INSPECTOR, Rank.CHIEF_INSPECTOR]
    assert "password" not in {f.name for f in officer.history.model._meta.fields}
