"""Closed lists. Bridges v South Wales Police [2020] EWCA Civ 1058 found free text here left
"too much discretion", so each of these is a fixed list, never free text."""

from django.db import models


class Mode(models.TextChoices):
    LFR = "lfr", "Live facial recognition (LFR)"
    RFR = "rfr", "Retrospective facial recognition (RFR)"
    OIFR = "oifr", "Operator-initiated facial recognition (OIFR)"


class WatchlistCategory(models.TextChoices):
    """College of Policing APP watchlist categories."""

    WANTED_BY_COURTS = "wanted_by_courts", "Wanted by the courts"
    SUSPECTED_OFFENCE = (
        "suspected_offence",
        "Suspected of an offence, or reasonable grounds to suspect one is about to be committed",
    )
    BAIL_OR_COURT_CONDITIONS = "bail_or_court_conditions", "Subject to bail or court conditions"
    MISSING_AT_RISK = "missing_at_increased_risk", "Missing person at increased risk"
    AT_RISK_OF_HARM = "at_risk_of_harm", "At risk of harm to self or others"
    WITNESS_OR_VICTIM = "witness_or_victim", "Witness or victim (only where itself justified)"
    CLOSE_ASSOCIATE = "close_associate", "Close associate of the above"


class LocationType(models.TextChoices):
    CRIME_HOTSPOT = "crime_hotspot", "Crime hotspot and its access routes"
    PROTECTIVE_SECURITY = (
        "protective_security",
        "Protective security operation (public event, critical national infrastructure)",
    )
    SOUGHT_PERSONS_LIKELY = (
        "sought_persons_likely",
        "Place where intelligence shows sought persons are likely to be",
    )


class LegitimateAim(models.TextChoices):
    """Human Rights Act 1998, Schedule 1, Article 8(2)."""

    NATIONAL_SECURITY = "national_security", "National security"
    PUBLIC_SAFETY = "public_safety", "Public safety"
    PREVENTION_OF_DISORDER_OR_CRIME = (
        "prevention_of_disorder_or_crime",
        "Prevention of disorder or crime",
    )
    PROTECTION_OF_HEALTH = "protection_of_health", "Protection of health"
    RIGHTS_OF_OTHERS = "rights_and_freedoms_of_others", "Protection of the rights of others"


class LegalBasis(models.TextChoices):
    COMMON_LAW = "common_law_policing_powers", "Common-law policing powers"
    HRA_ARTICLE_8 = "hra_1998_article_8", "Human Rights Act 1998, Article 8"
    DPA_S35 = "dpa_2018_s35", 'Data Protection Act 2018 s.35 ("strictly necessary")'
    EQUALITY_ACT_PSED = "equality_act_2010_psed", "Equality Act 2010, public sector equality duty"
    POFA_2012 = "pofa_2012", "Protection of Freedoms Act 2012"


class Schedule8Condition(models.TextChoices):
    """Data Protection Act 2018, Schedule 8 conditions for sensitive processing."""

    STATUTORY_PURPOSES = "statutory_purposes", "Statutory etc. purposes"
    ADMINISTRATION_OF_JUSTICE = "administration_of_justice", "Administration of justice"
    VITAL_INTERESTS = "vital_interests", "Protecting individual's vital interests"
    SAFEGUARDING = "safeguarding", "Safeguarding of children and of individuals at risk"
    LEGAL_CLAIMS = "legal_claims", "Legal claims"
    JUDICIAL_ACTS = "judicial_acts", "Judicial acts"
    PREVENTING_FRAUD = "preventing_fraud", "Preventing fraud"


class NoNoticeReason(models.TextChoices):
    """Advance public notice is the rule; the reason for none comes from this list."""

    CRITICAL_THREAT_TO_LIFE = "critical_threat_to_life", "Critical threat to life"
    IMMINENT_SERIOUS_HARM = (
        "imminent_serious_harm",
        "Imminent risk of serious harm to a person at risk (e.g. missing person)",
    )
    COMPROMISE_OPERATION = (
        "would_compromise_operation",
        "Notice would alert the persons sought and defeat the deployment",
    )
    NATIONAL_SECURITY = "national_security", "National security"


class AssessmentKind(models.TextChoices):
    DPIA = "dpia", "Data Protection Impact Assessment"
    EQUALITY = "eia", "Equality Impact Assessment"
    COMMUNITY = "cia", "Community Impact Assessment"
    APPROPRIATE_POLICY = "apd", "Appropriate Policy Document"


class AlternativeOutcome(models.TextChoices):
    TRIED_AND_FAILED = "tried_and_failed", "Tried and failed"
    DISCOUNTED = "discounted", "Discounted"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for amendment"
    AUTHORISED = "authorised", "Authorised"
    URGENT_AUTHORISED = "urgent_authorised", "Urgently authorised (awaiting ratification)"
    REFUSED = "refused", "Refused"
    LAPSED = "lapsed", "Lapsed (urgent authority not ratified)"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired without cancellation"


# An authority the engine may act under: authorised, or urgently authorised and not lapsed.
LIVE_STATUSES = (ApplicationStatus.AUTHORISED, ApplicationStatus.URGENT_AUTHORISED)
EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


def labels_for(choices: type[models.TextChoices], values: list[str]) -> list[str]:
    return [choices(v).label for v in values]
