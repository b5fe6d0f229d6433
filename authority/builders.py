"""Applications built through the real services, in the states other code needs them.

One set of builders serves the demo (``seed_demo``), the gate's benchmark and the tests, so a
new rule at submission or decision reaches all three at once. Every field has a plausible
default; callers pass only what their story changes.
"""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from authority import services
from authority.models import (
    Application,
    AssessmentKind,
    LegalBasis,
    LegitimateAim,
    LocationType,
    Mode,
    Schedule8Condition,
    User,
    WatchlistCategory,
)
from authority.rules import ConditionSpec
from biometric_engine.engine import default_model_version

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
ALTERNATIVES = [
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
]
LOCATIONS = [
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
]


def current_assessments() -> list[dict]:
    """A DPIA and an Equality Impact Assessment, both due for review in six months."""
    review = timezone.localdate() + timedelta(days=180)
    return [
        {"kind": AssessmentKind.DPIA, "reference": "DPIA-LFR-2026", "version": "3.1",
         "review_date": review},
        {"kind": AssessmentKind.EQUALITY, "reference": "EIA-LFR-2026", "version": "2.0",
         "review_date": review},
    ]  # fmt: skip


def complete_fields(*, decider: User, commanders: dict[str, User], **overrides) -> dict:
    """Every field a submission needs, two days ahead for four hours."""
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


def build_draft(
    *,
    applicant: User,
    decider: User,
    commanders: dict[str, User],
    mode: str = Mode.LFR,
    operation_name: str = "Operation Kestrel",
    alternatives: Iterable[dict] | None = None,
    locations: Iterable[dict] | None = None,
    assessments: Iterable[dict] | None = None,
    **overrides,
) -> Application:
    """A complete draft, ready to submit: one save, as the drafting pages and API make it."""
    fields = complete_fields(decider=decider, commanders=commanders, **overrides)
    application = services.save_draft(
        by=applicant,
        fields={"mode": mode, "operation_name": operation_name, **fields},
        alternatives=list(ALTERNATIVES if alternatives is None else alternatives),
        locations=list((LOCATIONS if mode == Mode.LFR else []) if locations is None else locations),
        assessments=list(current_assessments() if assessments is None else assessments),
    )
    application.refresh_from_db()
    return application


def build_authorised(
    *,
    applicant: User,
    decider: User,
    chief: User | None,
    commanders: dict[str, User],
    reasons: str = "Necessary and proportionate for the reasons given.",
    conditions: Iterable[ConditionSpec] = (),
    **draft,
) -> Application:
    """Drafted, submitted, the Chief Officer consulted (LFR) and authorised, with its WAD."""
    application = build_draft(applicant=applicant, decider=decider, commanders=commanders, **draft)
    services.submit_application(application=application, by=applicant)
    if application.mode == Mode.LFR:
        services.consult_chief_officer(
            application=application, by=chief, outcome="noted", comments="Proportionate; proceed."
        )
    services.authorise_application(
        application=application, by=decider, reasons=reasons, conditions=list(conditions)
    )
    application.refresh_from_db()
    return application
