"""Pure checks on an application, shared by the services and the drafting pages."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from authority.errors import ConditionWidensRequest, InvalidCondition
from authority.models import (
    AccountKind,
    Application,
    AssessmentKind,
    ConditionKind,
    LegalBasis,
    Mode,
    Rank,
    User,
)
from common.roles import Role


@dataclass(frozen=True)
class NamedOfficer:
    """Who an application may name in one of its officer fields: a serving police officer of
    at least ``minimum`` rank, holding ``role`` when one is given, and never the applicant."""

    field: str
    label: str
    minimum: Rank
    role: Role | None = None

    def describe(self) -> str:
        holding = f" holding the {self.role.label} role" if self.role else ""
        return f"a police officer of the rank of {self.minimum.label} or above{holding}"


# Gold sets the strategy, Silver runs the deployment (and may halt the engine: the Silver
# commander role), Bronze leads on the ground. The authorising officer named for submission is
# checked for the application's urgency at submission (policies.require_authorising_officer).
NAMED_OFFICERS: dict[str, NamedOfficer] = {
    "submitted_to": NamedOfficer(
        "submitted_to", "Authorising officer", Rank.INSPECTOR, Role.AUTHORISING_OFFICER
    ),
    "gold_commander": NamedOfficer("gold_commander", "Gold commander", Rank.SUPERINTENDENT),
    "silver_commander": NamedOfficer(
        "silver_commander", "Silver commander", Rank.INSPECTOR, Role.SILVER_COMMANDER
    ),
    "bronze_commander": NamedOfficer("bronze_commander", "Bronze commander", Rank.SERGEANT),
}
COMMANDER_FIELDS = ("gold_commander", "silver_commander", "bronze_commander")


def naming_problem(field: str, officer: User | None, *, applicant_id: int | None) -> str | None:
    """Why ``officer`` may not be named as ``field`` on an application, or None."""
    rule = NAMED_OFFICERS[field]
    if officer is None:
        return None
    if applicant_id is not None and officer.pk == applicant_id:
        return f"You cannot name yourself as the {rule.label}."
    if (
        not officer.is_active
        or officer.kind != AccountKind.OFFICER
        or not officer.has_rank_at_least(rule.minimum)
        or (rule.role is not None and not officer.has_role(rule.role))
    ):
        held = officer.rank_label or "no police rank"
        return (
            f"The {rule.label} must be {rule.describe()}; {officer.display_name} is not ({held})."
        )
    return None


@dataclass(frozen=True)
class Missing:
    """One thing still to do before submission, and the field (or row kind) it is entered in."""

    field: str
    label: str


# Named time rules (DOMAIN), each defined once.
# An urgent authority lapses unless ratified within this time (or by its window's end, if
# sooner): the platform's choice, by analogy with RIPA urgent oral authorisations.
URGENT_LAPSE_AFTER = timedelta(hours=72)
# A watchlist is composed not more than this long before its deployment starts.
WATCHLIST_COMPOSITION_WINDOW = timedelta(hours=24)


def missing_for_submission(app: Application, *, now: datetime) -> list[str]:
    """Every required field still empty, in the order of the form."""
    return [item.label for item in missing_items(app, now=now)]


def missing_items(app: Application, *, now: datetime) -> list[Missing]:
    """Every required field still empty, in the order of the form, with the field it is in."""
    missing: list[Missing] = []

    def need(ok: object, field: str, label: str) -> None:
        if not ok:
            missing.append(Missing(field, label))

    need(app.operation_name.strip(), "operation_name", "operation name")
    need(app.aim.strip(), "aim", "aim")
    need(app.legitimate_aim, "legitimate_aim", "legitimate aim")
    need(app.legal_bases, "legal_bases", "legal basis")
    if LegalBasis.DPA_S35 in app.legal_bases:
        need(
            app.schedule_8_condition, "schedule_8_condition", "Schedule 8 condition (DPA 2018 s.35)"
        )
    else:
        missing.append(
            Missing("legal_bases", "legal basis must include DPA 2018 s.35 (sensitive processing)")
        )
    need(app.intelligence_case.strip(), "intelligence_case", "intelligence case")
    need(app.necessity.strip(), "necessity", "necessity statement")
    need(app.proportionality.strip(), "proportionality", "proportionality statement")
    need(app.alternatives.exists(), "alternatives", "alternatives considered (at least one)")
    need(app.start_at, "start_at", "start time")
    need(app.end_at, "end_at", "end time")
    if app.end_at and app.end_at <= now:
        missing.append(Missing("end_at", "an end time in the future"))
    need(app.safeguards.strip(), "safeguards", "deployment-specific safeguards")
    need(app.equality_considerations.strip(), "equality_considerations", "equality considerations")
    need(app.model_version, "model_version", "model version")
    need(app.requested_threshold is not None, "requested_threshold", "match threshold")
    need(app.training_confirmed, "training_confirmed", "training confirmation")
    need(app.submitted_to_id, "submitted_to", "authorising officer to submit to")
    if app.mode == Mode.LFR:
        need(app.watchlist_rationale.strip(), "watchlist_rationale", "watchlist rationale")
        need(app.requested_categories, "requested_categories", "watchlist categories")
        need(app.max_watchlist_size, "max_watchlist_size", "maximum watchlist size")
        need(app.locations.exists(), "locations", "locations (at least one)")
        need(app.gold_commander_id, "gold_commander", "Gold commander")
        need(app.silver_commander_id, "silver_commander", "Silver commander")
        need(app.bronze_commander_id, "bronze_commander", "Bronze commander")
        need(app.resourcing.strip(), "resourcing", "resourcing to respond to alerts")
        if app.advance_notice:
            need(
                app.notice_details.strip(),
                "notice_details",
                "how advance notice and signage will be given",
            )
        else:
            need(app.no_notice_reason, "no_notice_reason", "reason for no advance notice")
    if app.is_urgent:
        need(app.urgency_reason.strip(), "urgency_reason", "why this is urgent")
    return missing


def has_current_dpia(app: Application, *, today: date) -> bool:
    return app.assessments.filter(kind=AssessmentKind.DPIA, review_date__gte=today).exists()


@dataclass
class Scope:
    """What an authority allows: the request, narrowed by the decision's conditions."""

    start: datetime
    end: datetime
    threshold: Decimal
    model_version: str
    max_watchlist_size: int | None
    categories: list[str]
    location_ids: list[int]
    safeguards: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConditionSpec:
    """A condition the authorising officer attaches; value depends on the kind.

    watchlist_size: int; window: (start, end); threshold: Decimal; locations: [location ids];
    categories: [category codes]; safeguard: None (the text is the condition).
    """

    kind: ConditionKind
    text: str
    value: object = None


def decided_scope(decision) -> Scope:
    """The scope a decision authorised (authorise, urgently authorise or ratify)."""
    return Scope(
        start=decision.authorised_start,
        end=decision.authorised_end,
        threshold=decision.threshold,
        model_version=decision.model_version,
        max_watchlist_size=decision.max_watchlist_size,
        categories=list(decision.authorised_categories),
        location_ids=list(decision.authorised_locations.values_list("pk", flat=True)),
    )


def requested_scope(app: Application) -> Scope:
    return Scope(
        start=app.start_at,
        end=app.end_at,
        threshold=app.requested_threshold,
        model_version=app.model_version,
        max_watchlist_size=app.max_watchlist_size,
        categories=list(app.requested_categories),
        location_ids=list(app.locations.values_list("pk", flat=True)),
    )


def narrow_scope(requested: Scope, conditions: list[ConditionSpec]) -> tuple[Scope, list[dict]]:
    """Apply conditions to the request. A condition may only narrow it, never widen it.

    Returns the authorised scope and each condition's stored value.
    """
    scope = Scope(
        **{
            **requested.__dict__,
            "categories": list(requested.categories),
            "location_ids": list(requested.location_ids),
            "safeguards": [],
        }
    )
    stored: list[dict] = []
    for condition in conditions:
        if not condition.text.strip():
            raise InvalidCondition("Every condition needs its wording.")
        try:
            kind = ConditionKind(condition.kind)
        except ValueError:
            raise InvalidCondition(
                f"Unknown condition kind: {condition.kind!r}.", field="conditions"
            ) from None
        value = _checked_value(kind, condition.value)
        if kind == ConditionKind.WATCHLIST_SIZE:
            size = value
            if size < 1:
                raise InvalidCondition("A watchlist size condition must allow at least 1 entry.")
            if requested.max_watchlist_size is not None and size > requested.max_watchlist_size:
                raise ConditionWidensRequest(
                    f"A watchlist of {size} is larger than the {requested.max_watchlist_size} "
                    "requested; a condition can only make it smaller."
                )
            scope.max_watchlist_size = size
            stored.append({"max_watchlist_size": size})
        elif kind == ConditionKind.WINDOW:
            start, end = value
            if end <= start:
                raise InvalidCondition("A window condition must end after it starts.")
            if start < requested.start or end > requested.end:
                raise ConditionWidensRequest(
                    "The conditioned window reaches outside the window requested; a condition "
                    "can only shorten it."
                )
            scope.start, scope.end = start, end
            stored.append({"start": start.isoformat(), "end": end.isoformat()})
        elif kind == ConditionKind.THRESHOLD:
            threshold = value
            if threshold > 1:
                raise InvalidCondition("A threshold cannot exceed 1.")
            if threshold < requested.threshold:
                raise ConditionWidensRequest(
                    f"A threshold of {threshold} is lower than the {requested.threshold} "
                    "requested; a condition can only raise it."
                )
            scope.threshold = threshold
            stored.append({"threshold": str(threshold)})
        elif kind == ConditionKind.LOCATIONS:
            ids = sorted(set(value))
            if not ids:
                raise InvalidCondition("A locations condition must name at least one location.")
            if not set(ids) <= set(requested.location_ids):
                raise ConditionWidensRequest(
                    "A location condition names a place that was not requested."
                )
            scope.location_ids = ids
            stored.append({"location_ids": ids})
        elif kind == ConditionKind.CATEGORIES:
            codes = sorted(set(value))
            if not codes:
                raise InvalidCondition("A categories condition must keep at least one category.")
            if not set(codes) <= set(requested.categories):
                raise ConditionWidensRequest(
                    "A category condition adds a watchlist category that was not requested."
                )
            scope.categories = codes
            stored.append({"categories": codes})
        else:
            scope.safeguards.append(condition.text)
            stored.append({})
    return scope, stored


def _checked_value(kind: ConditionKind, value: object) -> object:
    """A condition's value in its kind's type, or InvalidCondition naming what is wrong.

    The API's serializer checks shapes first; this keeps a malformed value from any caller
    (a form, a command, a test) from reaching the rules below as a 500.
    """

    def bad(shape: str) -> InvalidCondition:
        return InvalidCondition(
            f"A {kind.label.lower()} condition needs {shape}.", field="conditions"
        )

    if kind == ConditionKind.SAFEGUARD:
        return None
    if kind == ConditionKind.WATCHLIST_SIZE:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise bad("a whole number")
        try:
            return int(value)
        except ValueError:
            raise bad("a whole number") from None
    if kind == ConditionKind.THRESHOLD:
        try:
            threshold = (
                Decimal(str(value)) if isinstance(value, int | float | str | Decimal) else None
            )
        except InvalidOperation:
            threshold = None
        if threshold is None or isinstance(value, bool) or not threshold.is_finite():
            raise bad("a number between 0 and 1")
        return threshold
    if kind == ConditionKind.WINDOW:
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(isinstance(v, datetime) for v in value)
        ):
            raise bad("a start and an end time")
        return tuple(value)
    if kind == ConditionKind.LOCATIONS:
        if not isinstance(value, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in value
        ):
            raise bad("a list of location ids")
        return list(value)
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        raise bad("a list of category codes")
    return list(value)
