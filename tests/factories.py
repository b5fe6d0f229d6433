"""factory_boy factories shared by every app's tests."""

import factory
from django.contrib.auth.models import Group

from authority.models import AccountKind, Rank, User
from common.roles import Role


def grant_roles(user: User, create: bool, roles) -> None:
    if create and roles:
        user.groups.add(*Group.objects.filter(name__in=[Role(r).value for r in roles]))
    if create:
        user.save()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"officer{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    kind = AccountKind.OFFICER
    rank = Rank.CONSTABLE
    warrant_number = factory.Sequence(lambda n: f"W{n:05d}")
    command_unit = "Central West BCU"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        grant_roles(self, create, extracted)


class StaffFactory(UserFactory):
    kind = AccountKind.STAFF
    rank = None
    warrant_number = ""


class OversightFactory(UserFactory):
    kind = AccountKind.OVERSIGHT
    rank = None
    warrant_number = ""
    organisation = "Mayor's Office for Policing and Crime"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        grant_roles(self, create, extracted if extracted is not None else [Role.OVERSIGHT])
