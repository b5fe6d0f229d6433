"""Fixtures for the authority lifecycle: real services all the way, no shortcuts."""

import contextlib

import pytest

from authority import builders, services
from authority.models import (
    Application,
    AuthorityReview,
    ChiefOfficerConsultation,
    Condition,
    Decision,
    Mode,
    Rank,
    Renewal,
    TextSimilarityFlag,
    WrittenAuthorityDocument,
)
from common.roles import Role
from oversight.models import LedgerEntry
from tests.factories import OversightFactory, UserFactory

NECESSITY, PROPORTIONALITY = builders.NECESSITY, builders.PROPORTIONALITY


@pytest.fixture
def applicant(db):
    return UserFactory(username="applicant", rank=Rank.INSPECTOR, roles=[Role.APPLICANT])


@pytest.fixture
def superintendent(db):
    return UserFactory(username="supt", rank=Rank.SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER])


@pytest.fixture
def other_superintendent(db):
    return UserFactory(
        username="supt2", rank=Rank.CHIEF_SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER]
    )


@pytest.fixture
def inspector(db):
    return UserFactory(username="insp", rank=Rank.INSPECTOR, roles=[Role.AUTHORISING_OFFICER])


@pytest.fixture
def chief(db):
    return UserFactory(username="chief", rank=Rank.COMMANDER, roles=[Role.CHIEF_OFFICER])


@pytest.fixture
def commanders(db):
    return {
        "gold_commander": UserFactory(
            username="gold", rank=Rank.CHIEF_SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER]
        ),
        "silver_commander": UserFactory(
            username="silver", rank=Rank.CHIEF_INSPECTOR, roles=[Role.SILVER_COMMANDER]
        ),
        "bronze_commander": UserFactory(username="bronze", rank=Rank.INSPECTOR),
    }


@pytest.fixture
def oversight_user(db):
    return OversightFactory(username="mopac")


def complete_fields(decider, commanders, **overrides) -> dict:
    return builders.complete_fields(decider=decider, commanders=commanders, **overrides)


def draft_application(
    applicant,
    decider,
    commanders,
    *,
    mode=Mode.LFR,
    operation_name="Operation Kestrel",
    assessments=None,
    **overrides,
):
    """The shared builder, with both locations whatever the mode (as every test expects)."""
    return builders.build_draft(
        applicant=applicant,
        decider=decider,
        commanders=commanders,
        mode=mode,
        operation_name=operation_name,
        locations=builders.LOCATIONS,
        assessments=assessments,
        **overrides,
    )


@pytest.fixture
def draft(applicant, superintendent, commanders):
    return draft_application(applicant, superintendent, commanders)


@pytest.fixture
def submitted(draft, applicant):
    return services.submit_application(application=draft, by=applicant)


@pytest.fixture
def consulted(submitted, chief):
    services.consult_chief_officer(
        application=submitted, by=chief, outcome="noted", comments="Proportionate; proceed."
    )
    return submitted


@pytest.fixture
def authorised(consulted, superintendent):
    services.authorise_application(
        application=consulted,
        by=superintendent,
        reasons="Necessary and proportionate for the reasons given.",
    )
    consulted.refresh_from_db()
    return consulted


TRACKED = [
    Decision,
    Condition,
    WrittenAuthorityDocument,
    ChiefOfficerConsultation,
    AuthorityReview,
    Renewal,
    TextSimilarityFlag,
]


def snapshot(application: Application) -> dict:
    fresh = Application.objects.get(pk=application.pk)
    state = {model.__name__: model.objects.count() for model in TRACKED}
    state["application"] = {
        f.attname: getattr(fresh, f.attname) for f in Application._meta.concrete_fields
    }
    state["history"] = fresh.history.count()
    state["ledger"] = LedgerEntry.objects.filter(
        object_type="authority.application", object_id=str(application.pk)
    ).count()
    return state


@contextlib.contextmanager
def unchanged(application: Application):
    """Assert the block leaves the application and every decision table exactly as it was."""
    before = snapshot(application)
    yield
    assert snapshot(application) == before
