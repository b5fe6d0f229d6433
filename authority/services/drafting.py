"""Drafting: an applicant creates and edits their application until it is submitted."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from guardian.shortcuts import assign_perm

from authority.errors import AssessmentReviewPassed, OfficerNotEligible, UnknownModelVersion
from authority.models import (
    Alternative,
    AlternativeOutcome,
    Application,
    AssessmentKind,
    ImpactAssessment,
    LegalBasis,
    Location,
    LocationType,
    Mode,
    User,
    WatchlistCategory,
)
from authority.policies import require_permitted
from authority.rules import COMMANDER_FIELDS, naming_problem
from authority.selectors import known_model_versions
from authority.services._guards import authority_service, lock_application
from common.errors import InvalidInput, NotPermitted
from oversight.ledger import record_event

# Fields an applicant may write while the application is a draft or returned.
DRAFT_FIELDS = (
    "mode", "operation_name", "aim", "legitimate_aim", "legal_bases", "schedule_8_condition",
    "intelligence_case", "necessity", "proportionality", "watchlist_rationale",
    "requested_categories", "max_watchlist_size", "expected_footfall", "start_at", "end_at",
    "advance_notice", "notice_details", "no_notice_reason", "no_notice_explanation",
    "safeguards", "gold_commander", "silver_commander", "bronze_commander", "resourcing",
    "equality_considerations", "model_version", "requested_threshold", "affects_assembly",
    "article_10_11_assessment", "training_confirmed", "is_urgent", "urgency_reason",
    "submitted_to",
)  # fmt: skip


# The most rows of one kind an application holds (alternatives, locations, assessments).
MAX_ROWS = 50


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
        named = ", ".join(code[:40] for code in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise InvalidInput(
            f"{label} must come from the closed list; not recognised: {named}{more}.",
            field=field,
        )
    return sorted(set(values))


def _label(model, field: str) -> str:
    """A field's name as a person reads it ("End at" → the form's own label)."""
    try:
        return str(model._meta.get_field(field).verbose_name).capitalize()
    except Exception:
        return field.replace("_", " ").capitalize()


def invalid_from(exc: ValidationError, model, *, prefix: str = "") -> InvalidInput:
    """The first message of a model's full_clean as an InvalidInput on its field, in words.

    A message not tied to a field (a constraint) keeps no field rather than "__all__"."""
    field, messages = next(iter(exc.message_dict.items()))
    if field == NON_FIELD_ERRORS:
        return InvalidInput(f"{prefix}{messages[0]}")
    return InvalidInput(f"{prefix}{_label(model, field)}: {messages[0]}", field=field)


def _check_window(application: Application) -> None:
    check_window(application.start_at, application.end_at)


def check_window(start, end) -> None:
    """The end after the start, said on the end time (the database's constraint is the
    backstop: its name must never reach a person). Forms call it too, to place the sentence
    on their end time field before Django's own model validation would report the
    constraint."""
    if start is not None and end is not None and end <= start:
        shown = timezone.localtime(start) if timezone.is_aware(start) else start
        raise InvalidInput(
            f"The end time must be after the start time ({shown:%d %b %Y %H:%M}).",
            field="end_at",
        )


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
    _check_window(application)
    for name in COMMANDER_FIELDS:
        if name in changed:
            _check_named(application, name)
    if "model_version" in changed and application.model_version:
        known = known_model_versions()
        if application.model_version not in known:
            raise UnknownModelVersion(application.model_version, known)
    try:
        application.full_clean(exclude=["reference", "applicant", "status"])
    except ValidationError as exc:
        raise invalid_from(exc, Application) from None
    _check_footfall(application)
    return changed


def _check_footfall(application: Application) -> None:
    """An expected footfall is a live deployment's: RFR and OIFR search images, not crowds."""
    if application.expected_footfall is not None and application.mode != Mode.LFR:
        raise InvalidInput(
            "Expected footfall is for live facial recognition only; leave it blank for "
            f"{application.get_mode_display()}.",
            field="expected_footfall",
        )


def _check_named(application: Application, field: str) -> None:
    """A commander the application names holds the rank (and role) the command needs."""
    problem = naming_problem(
        field, getattr(application, field), applicant_id=application.applicant_id
    )
    if problem:
        raise OfficerNotEligible(problem, field=field)


def _require_applicant(application: Application, by: User) -> None:
    require_permitted("edit", by=by, application=application)


@authority_service
def create_application(*, by: User, mode: str, operation_name: str, **fields) -> Application:
    """Start a draft. The applicant alone may see and change it until it is submitted."""
    if not by.has_perm("authority.draft_application"):
        raise NotPermitted("Only an applicant officer can draft an application.")
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


def row_error(error: InvalidInput, index: int) -> InvalidInput:
    """Say which row (0-based ``row``) an error is about, so a form shows it on that row."""
    error.row = index
    return error


def _replace_rows(application, by, model, rows, build, what: str, check=None) -> None:
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            f"At most {MAX_ROWS} {model._meta.verbose_name_plural} can be given.",
            field=model._meta.verbose_name_plural.replace(" ", "_"),
        )
    model.objects.filter(application=application).delete()
    objects = []
    for index, row in enumerate(rows, start=1):
        try:
            obj = build(row)
            obj.application = application
            try:
                obj.full_clean(exclude=["application"])
            except ValidationError as exc:
                raise invalid_from(exc, model, prefix=f"{what} {index}: ") from None
            if check is not None:
                check(obj, index)
        except InvalidInput as error:
            raise row_error(error, index - 1) from None
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
    for index, row in enumerate(locations):
        if row.get("location_type") not in LocationType.values:
            raise row_error(
                InvalidInput(
                    f"Location {index + 1}: choose its type from the closed list.",
                    field="location_type",
                ),
                index,
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

    today = timezone.localdate()

    def current(assessment: ImpactAssessment, index: int) -> None:
        # Said where it is entered, not first at submission (which checks the DPIA again).
        if assessment.review_date < today:
            raise AssessmentReviewPassed(assessment, index)

    _replace_rows(
        application, by, ImpactAssessment, assessments, build, "Assessment", check=current
    )
