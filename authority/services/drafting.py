"""Drafting: an applicant creates and edits their application until it is submitted."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from guardian.shortcuts import assign_perm

from authority.models import (
    Alternative,
    AlternativeOutcome,
    Application,
    AssessmentKind,
    ImpactAssessment,
    LegalBasis,
    Location,
    LocationType,
    User,
    WatchlistCategory,
)
from authority.policies import require_permitted
from authority.services._guards import authority_service, lock_application
from common.errors import InvalidInput, NotPermitted
from oversight.ledger import record_event

# Fields an applicant may write while the application is a draft or returned.
DRAFT_FIELDS = (
    "mode", "operation_name", "aim", "legitimate_aim", "legal_bases", "schedule_8_condition",
    "intelligence_case", "necessity", "proportionality", "watchlist_rationale",
    "requested_categories", "max_watchlist_size", "start_at", "end_at", "advance_notice",
    "notice_details", "no_notice_reason", "no_notice_explanation", "safeguards",
    "gold_commander", "silver_commander", "bronze_commander", "resourcing",
    "equality_considerations", "model_version", "requested_threshold", "affects_assembly",
    "article_10_11_assessment", "training_confirmed", "is_urgent", "urgency_reason",
    "submitted_to",
)  # fmt: skip


def _next_reference(year: int) -> str:
    prefix = f"WA-{year}-"
    last = (
        Application.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _check_codes(values: object, choices, label: str, field: str) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"{label} must be a list of codes.", field=field)
    unknown = sorted(set(values) - set(choices.values))
    if unknown:
        raise InvalidInput(
            f"{label} must come from the closed list; not recognised: {', '.join(unknown)}.",
            field=field,
        )
    return sorted(set(values))


def _apply_fields(application: Application, fields: dict) -> list[str]:
    unknown = sorted(set(fields) - set(DRAFT_FIELDS))
    if unknown:
        raise InvalidInput(f"These fields cannot be set on an application: {', '.join(unknown)}.")
    if "legal_bases" in fields:
        fields["legal_bases"] = _check_codes(
            fields["legal_bases"], LegalBasis, "Legal bases", "legal_bases"
        )
    if "requested_categories" in fields:
        fields["requested_categories"] = _check_codes(
            fields["requested_categories"],
            WatchlistCategory,
            "Watchlist categories",
            "requested_categories",
        )
    if fields.get("requested_threshold") is not None:
        try:
            fields["requested_threshold"] = Decimal(str(fields["requested_threshold"]))
        except InvalidOperation:
            raise InvalidInput(
                "The threshold must be a number between 0 and 1.", field="requested_threshold"
            ) from None
    changed = []
    for name, value in fields.items():
        if getattr(application, name) != value:
            setattr(application, name, value)
            changed.append(name)
    try:
        application.full_clean(exclude=["reference", "applicant", "status"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput(
            f"{field.replace('_', ' ').capitalize()}: {messages[0]}", field=field
        ) from None
    return changed


def _require_applicant(application: Application, by: User) -> None:
    require_permitted("edit", by=by, application=application)


@authority_service
def create_application(*, by: User, mode: str, operation_name: str, **fields) -> Application:
    """Start a draft. The applicant alone may see and change it until it is submitted."""
    if not by.has_perm("authority.draft_application"):
        raise NotPermitted("Only an applicant officer can draft an application.")
    from django.utils import timezone

    application = Application(applicant=by, reference=_next_reference(timezone.now().year))
    _apply_fields(application, {"mode": mode, "operation_name": operation_name, **fields})
    application.save()
    assign_perm("authority.view_application", by, application)
    assign_perm("authority.change_application", by, application)
    record_event(
        actor=by,
        action="application.drafted",
        subject=application,
        role="applicant_officer",
        payload={"reference": application.reference, "mode": application.mode},
    )
    return application


@authority_service
def update_application(*, application: Application, by: User, **fields) -> Application:
    """Change draft fields. Refused once submitted, until the application is returned."""
    application = lock_application(application)
    _require_applicant(application, by)
    changed = _apply_fields(application, fields)
    if changed:
        application.save()
        record_event(
            actor=by,
            action="application.updated",
            subject=application,
            role="applicant_officer",
            payload={"fields": sorted(changed)},
        )
    return application


def _replace_rows(application, by, model, rows, build, what: str) -> None:
    model.objects.filter(application=application).delete()
    objects = []
    for index, row in enumerate(rows, start=1):
        obj = build(row)
        obj.application = application
        try:
            obj.full_clean(exclude=["application"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise InvalidInput(
                f"{what} {index}, {field.replace('_', ' ')}: {messages[0]}", field=field
            ) from None
        objects.append(obj)
    for obj in objects:
        obj.save()  # save() one by one so row history records each
    record_event(
        actor=by,
        action="application.updated",
        subject=application,
        role="applicant_officer",
        payload={"rows": model._meta.model_name, "count": len(objects)},
    )


@authority_service
def set_alternatives(*, application: Application, by: User, alternatives: list[dict]) -> None:
    """Replace the alternatives considered: each tried and failed, or discounted and why."""
    application = lock_application(application)
    _require_applicant(application, by)
    _replace_rows(
        application,
        by,
        Alternative,
        alternatives,
        lambda r: Alternative(
            description=r.get("description", ""),
            outcome=r.get("outcome", AlternativeOutcome.DISCOUNTED),
            reason=r.get("reason", ""),
        ),
        "Alternative",
    )


@authority_service
def set_locations(*, application: Application, by: User, locations: list[dict]) -> None:
    """Replace the locations: each with its type (closed list) and justification."""
    application = lock_application(application)
    _require_applicant(application, by)
    for row in locations:
        if row.get("location_type") not in LocationType.values:
            raise InvalidInput(
                "Each location's type must come from the closed list.", field="location_type"
            )
    _replace_rows(
        application,
        by,
        Location,
        locations,
        lambda r: Location(
            name=r.get("name", ""),
            borough=r.get("borough", ""),
            location_type=r["location_type"],
            justification=r.get("justification", ""),
        ),
        "Location",
    )


@authority_service
def set_assessments(*, application: Application, by: User, assessments: list[dict]) -> None:
    """Replace the linked DPIA, EIA, CIA and Appropriate Policy Document versions."""
    application = lock_application(application)
    _require_applicant(application, by)

    def as_date(value: object, field: str) -> date | None:
        if not isinstance(value, str):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"{field.replace('_', ' ').capitalize()} must be a date (YYYY-MM-DD).", field=field
            ) from None

    def build(row: dict) -> ImpactAssessment:
        return ImpactAssessment(
            kind=row.get("kind", AssessmentKind.DPIA),
            reference=row.get("reference", ""),
            version=row.get("version", ""),
            review_date=as_date(row.get("review_date"), "review_date"),
            approved_on=as_date(row.get("approved_on"), "approved_on"),
        )

    _replace_rows(application, by, ImpactAssessment, assessments, build, "Assessment")
