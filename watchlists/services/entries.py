"""An entry's details as any caller gives them (page, API, CSV row), and their checks.

The checks here need no lock: what the person and image are. What the list can take (the
window, the cap, duplicates) is checked under the watchlist's lock in ``composition``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from authority.models import Decision, WatchlistCategory
from common.errors import InvalidInput
from watchlists.errors import (
    CategoryNotAuthorised,
    CurrencyNotConfirmed,
    NotMostRecentImage,
    UnderEighteenUnjustified,
)
from watchlists.models import SourceSystem, WatchlistEntry
from watchlists.services._common import is_under_18


@dataclass(frozen=True)
class EntryDetails:
    record_id: str
    source_system: str
    category: str
    reason: str
    image_source_system: str
    legal_basis: str
    most_recent_suitable: bool
    still_sought_confirmed: bool
    name: str = ""
    date_of_birth: date | None = None
    capture_date: date | None = None
    under_18_justification: str = ""
    # Where the details came from, for messages only (e.g. "row 7").
    origin: str = field(default="", compare=False)


def _text(value: str, name: str, *, required: bool, what: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"Give {what}.", field=name)
    limit = WatchlistEntry._meta.get_field(name).max_length
    if limit and len(value) > limit:
        raise InvalidInput(
            f"{what[0].upper()}{what[1:]} has at most {limit} characters; this has {len(value)}.",
            field=name,
        )
    return value


def _choice(value: str, choices, name: str, what: str) -> str:
    value = (value or "").strip()
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidInput(f"{what} must be one of: {allowed} (not {value!r}).", field=name)
    return value


def clean_entry(
    details: EntryDetails, *, decision: Decision, deployment_start: datetime, today: date
) -> EntryDetails:
    """The details tidied, or the first rule they break, as a specific error."""
    record_id = _text(details.record_id, "record_id", required=True, what="the record id")
    source = _choice(details.source_system, SourceSystem, "source_system", "The source system")
    category = _choice(details.category, WatchlistCategory, "category", "The category")
    if category not in (decision.authorised_categories or []):
        label = WatchlistCategory(category).label
        raise CategoryNotAuthorised(
            f"The authority does not allow the category “{label}”.", field="category"
        )
    reason = _text(details.reason, "reason", required=True, what="the reason the person is sought")
    image_source = _choice(
        details.image_source_system, SourceSystem, "image_source_system", "The image's source"
    )
    legal_basis = _text(
        details.legal_basis, "legal_basis", required=True, what="the legal basis for the image"
    )
    name = _text(details.name, "name", required=False, what="the name")
    if not details.most_recent_suitable:
        raise NotMostRecentImage(
            "Confirm the image is the most recent suitable image of the person.",
            field="most_recent_suitable",
        )
    if not details.still_sought_confirmed:
        raise CurrencyNotConfirmed(
            "Confirm the person is still sought (checked now, at composition).",
            field="still_sought_confirmed",
        )
    born = details.date_of_birth
    if born is not None and born > today:
        raise InvalidInput("The date of birth is in the future.", field="date_of_birth")
    captured = details.capture_date
    if captured is not None and (captured > today or (born and captured < born)):
        raise InvalidInput(
            "The capture date must lie between the date of birth and today.", field="capture_date"
        )
    justification = (details.under_18_justification or "").strip()
    if is_under_18(born, deployment_start) and not justification:
        raise UnderEighteenUnjustified(
            "The person is under 18 at the deployment: give the justification for listing them; "
            "the authorising officer must approve it before sign-off.",
            field="under_18_justification",
        )
    if len(justification) > 4000:
        raise InvalidInput(
            "Keep the justification to 4,000 characters.", field="under_18_justification"
        )
    return EntryDetails(
        record_id=record_id,
        source_system=source,
        category=category,
        reason=reason,
        image_source_system=image_source,
        legal_basis=legal_basis,
        most_recent_suitable=True,
        still_sought_confirmed=True,
        name=name,
        date_of_birth=born,
        capture_date=captured,
        under_18_justification=justification if is_under_18(born, deployment_start) else "",
        origin=details.origin,
    )
