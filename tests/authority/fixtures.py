"""Fixtures for the authority lifecycle: real services all the way, no shortcuts."""

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from authority import services
from authority.models import (
    Application,
    AssessmentKind,
    AuthorityReview,
    ChiefOfficerConsultation,
    Condition,
    Decision,
    LegalBasis,
    LegitimateAim,
    LocationType,
    Mode,
    Rank,
    Renewal,
    Schedule8Condition,
    TextSimilarityFlag,
    WatchlistCategory,
    WrittenAuthorityDocument,
)
from biometric_engine.engine import default_model_version
from common.roles import Role
from oversight.models import LedgerEntry
from tests.factories import OversightFactory, UserFactory

NECESSITY = (
    "Intelligence shows three men wanted for knife-point robberies on the high street attend "
    "the market on Saturdays; conventional patrols failed to find them over eight weeks and "
    "there is a continuing risk of serious violence to shoppers and traders."
)
PROPORTIONALITY = (
    "A four-hour deployment at two entrances with a watchlist limited to 40 people wanted for "
    "violence, signage at every approach, and immediate deletion of non-matches keeps the "
    "intrusion on passers-by to the minimum needed to locate the suspects."
)


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
    start = timezone.now() + timedelta(days=2)
    fields = {
        "aim": "Locate and arrest people wanted for robbery with violence.",
        "legitimate_aim": LegitimateAim.PREVENTION_OF_DISORDER_OR_CRIME,
        "legal_bases": [
            LegalBasis.COMMON_LAW,
            LegalBasis.HRA_ARTICLE_8,
            LegalBasis.DPA_S35,
            LegalBasis.EQUALITY_ACT_PSED,
        ],
        "schedule_8_condition": Schedule8Condition.STATUTORY_PURPOSES,
        "intelligence_case": "RESTRICTED: source reporting on the suspects' Saturday routine.",
        "necessity": NECESSITY,
        "proportionality": PROPORTIONALITY,
        "watchlist_rationale": "Only people wanted for violence within the borough.",
        "requested_categories": [
            WatchlistCategory.WANTED_BY_COURTS,
            WatchlistCategory.SUSPECTED_OFFENCE,
        ],
        "max_watchlist_size": 40,
        "start_at": start,
        "end_at": start + timedelta(hours=4),
        "advance_notice": True,
        "notice_details": "Force website 48 hours ahead; A-boards at every approach.",
        "safeguards": "Two human decisions before any engagement; no under-18s on the list.",
        "resourcing": "Eight engagement officers and a van on standby.",
        "equality_considerations": "Threshold at or above the equitable minimum.",
        "model_version": default_model_version(),
        "requested_threshold": Decimal("0.640"),
        "training_confirmed": True,
        "submitted_to": decider,
        **commanders,
    }
    fields.update(overrides)
    return fields


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
    application = services.create_application(
        by=applicant,
        mode=mode,
        operation_name=operation_name,
        **complete_fields(decider, commanders, **overrides),
    )
    services.set_alternatives(
        application=application,
        by=applicant,
        alternatives=[
            {
                "description": "High-visibility patrols",
                "outcome": "tried_and_failed",
                "reason": "Eight weeks without a sighting.",
            },
            {
                "description": "Wanted appeal in local media",
                "outcome": "discounted",
                "reason": "Would alert the suspects.",
            },
        ],
    )
    services.set_locations(
        application=application,
        by=applicant,
        locations=[
            {
                "name": "Market Street north entrance",
                "borough": "Westminster",
                "location_type": LocationType.CRIME_HOTSPOT,
                "justification": "Four of the robberies began at this entrance.",
            },
            {
                "name": "Market Street south entrance",
                "borough": "Westminster",
                "location_type": LocationType.CRIME_HOTSPOT,
                "justification": "The suspects' exit route in CCTV of two robberies.",
            },
        ],
    )
    today = timezone.localdate()
    services.set_assessments(
        application=application,
        by=applicant,
        assessments=assessments
        or [
            {
                "kind": AssessmentKind.DPIA,
                "reference": "DPIA-LFR-2026",
                "version": "3.1",
                "review_date": today + timedelta(days=180),
            },
            {
                "kind": AssessmentKind.EQUALITY,
                "reference": "EIA-LFR-2026",
                "version": "2.0",
                "review_date": today + timedelta(days=180),
            },
        ],
    )
    application.refresh_from_db()
    return application


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
