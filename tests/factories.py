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


class LedgerEventFactory(factory.Factory):
    """A ledger event written through record_event, in its own transaction.

    The ledger is never flushed between tests (its table is unmanaged and append-only), so
    compare against the head before and after rather than assume it is empty.
    """

    class Meta:
        model = dict  # created only through record_event (see _create)

    actor = None
    role = None
    action = "application.submitted"
    subject = factory.Sequence(lambda n: ("authority.application", n + 1))
    payload = factory.LazyAttribute(lambda o: {"reason": "test event"})

    @classmethod
    def _create(cls, model_class, **kwargs):
        from django.db import transaction

        from oversight.ledger import record_event

        with transaction.atomic():
            return record_event(**kwargs)


def watchlist_gallery(application, *, sealed: bool = True, name: str = "Kestrel watchlist"):
    """An engine gallery bound to ``application`` in the gate, as the watchlist service makes
    one, sealed (signed off) until the authority's window ends unless ``sealed`` is False."""
    from biometric_engine.engine import default_model_version
    from biometric_engine.galleries import create_gallery
    from biometric_engine.models import GalleryKind
    from gate.galleries import bind_watchlist_gallery

    gallery = create_gallery(
        name=name, kind=GalleryKind.WATCHLIST, model_version=default_model_version()
    )
    bind_watchlist_gallery(application=application, gallery=gallery)
    return seal(gallery, until=application.valid_until) if sealed else gallery


def seal(gallery, *, until=None):
    from datetime import timedelta

    from django.utils import timezone

    from biometric_engine.galleries import seal_gallery

    now = timezone.now()
    return seal_gallery(gallery=gallery, until=until or now + timedelta(days=1), now=now)


def unseal(gallery):
    from biometric_engine.galleries import unseal_gallery

    return unseal_gallery(gallery=gallery)
