"""Reads for the authority app, each filtered by what the reader may see."""

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from authority import policies
from authority.models import AccountKind, Application, ApplicationStatus, Decision, User
from authority.rules import NAMED_OFFICERS
from oversight.redaction import hidden_fields, shown_value


def applications_visible_to(user: User) -> QuerySet[Application]:
    """An applicant sees their own; an authorising officer those submitted to them; oversight
    and Chief Officers all (global view permission). A Superintendent who may authorise also
    sees every urgent authority awaiting ratification: any independent one may ratify it."""
    if not user.is_authenticated:
        return Application.objects.none()
    visible = get_objects_for_user(
        user, "authority.view_application", klass=Application, accept_global_perms=True
    )
    if policies.may_ratify_any(user):
        urgent = Application.objects.filter(status=ApplicationStatus.URGENT_AUTHORISED)
        visible = Application.objects.filter(pk__in=visible.values("pk")) | urgent
    return visible.select_related("applicant", "submitted_to")


def may_read_restricted(user: User, application: Application) -> bool:
    """The intelligence case: the applicant, the assigned decider and restricted readers."""
    if user.pk == application.applicant_id or user.has_perm(
        "authority.view_restricted_application"
    ):
        return True
    if ObjectPermissionChecker(user).has_perm("authorise_application", application):
        return True
    # A Superintendent ratifying an urgent authority must read the case it rests on.
    return policies.is_permitted("ratify", user, application)


def permitted_actions(user: User, application: Application) -> frozenset[str]:
    """Every act ``user`` may do to ``application`` now (``authority.policies``)."""
    return policies.permitted_actions(user, application)


def application_history(application: Application, *, reader: User) -> list[dict]:
    """Every recorded change to the application and its rows, newest first, with field diffs.

    Each change names its field as the form does and shows values as a person reads them:
    officers by name, choices by label, yes or no. A restricted field's old and new values are
    masked for a reader who may not read it.
    """
    hidden_on_application = hidden_fields(reader, Application, application)
    records = chain(
        application.history.all().select_related("history_user"),
        *(
            model.history.filter(application_id=application.pk).select_related("history_user")
            for model in (
                application.alternatives.model,
                application.locations.model,
                application.assessments.model,
                application.decisions.model,
                application.consultations.model,
            )
        ),
    )
    entries = []
    for record in sorted(records, key=lambda r: r.history_date, reverse=True):
        changes = []
        previous = record.prev_record
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            model = type(record.instance)
            # The application's own rows are judged on the application itself, once.
            hidden = (
                hidden_on_application
                if model is Application
                else hidden_fields(reader, model, record.instance)
            )
            changes = [
                {
                    "field": c.field,
                    "label": _field_label(model, c.field),
                    "old": shown_value(c.old, field=c.field, hidden=hidden),
                    "new": shown_value(c.new, field=c.field, hidden=hidden),
                    "hidden": c.field in hidden,
                }
                for c in delta.changes
                if c.field not in {"updated_at"}
            ]
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": record.instance._meta.verbose_name,
                "type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "changes": changes,
                "model": type(record.instance),
            }
        )
    _in_words(entries)
    for entry in entries:
        del entry["model"]
    return entries


def _field_label(model, name: str) -> str:
    field = _model_field(model, name)
    label = field.verbose_name if field is not None else name.replace("_", " ")
    return str(label).capitalize()


def _in_words(entries: list[dict]) -> None:
    """Replace stored values by what a person reads: an officer's name for their id, a
    choice's label for its code, yes or no for a flag. Masked values stay masked."""
    officer_ids = set()
    for entry in entries:
        for change in entry["changes"]:
            field = _model_field(entry["model"], change["field"])
            if not change["hidden"] and field is not None and _is_officer(field):
                officer_ids.update(v for v in (change["old"], change["new"]) if v)
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=officer_ids)}
    for entry in entries:
        for change in entry["changes"]:
            field = _model_field(entry["model"], change["field"])
            if change.pop("hidden") or field is None:
                continue
            for side in ("old", "new"):
                change[side] = _value_in_words(field, change[side], names)


def _model_field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_officer(field) -> bool:
    return getattr(field, "related_model", None) is User


def _value_in_words(field, value, names: dict[int, str]):
    from authority.models import LegalBasis, WatchlistCategory

    if value in (None, "", []):
        return value
    if _is_officer(field):
        return names.get(value, f"account {value}")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{shown:%d %b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    lists = {"legal_bases": LegalBasis, "requested_categories": WatchlistCategory}
    if field.name in lists and isinstance(value, list):
        choices = dict(lists[field.name].choices)
        return "; ".join(str(choices.get(code, code)) for code in value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def scope_decision(application: Application) -> Decision | None:
    """The decision whose scope is in force (``DecisionQuerySet.in_force``)."""
    return application.decisions.in_force().prefetch_related("authorised_locations").first()


# --- officers an application may name ---------------------------------------------------


def officers_eligible_for(field: str, *, applicant: User | None = None) -> QuerySet[User]:
    """Serving officers an application may name as ``field`` (authority.rules.NAMED_OFFICERS):
    by rank and role, never the applicant. Most senior first."""
    rule = NAMED_OFFICERS[field]
    officers = User.objects.filter(kind=AccountKind.OFFICER, is_active=True, rank__gte=rule.minimum)
    if rule.role is not None:
        officers = officers.filter(groups__name=rule.role.value)
    if applicant is not None:
        officers = officers.exclude(pk=applicant.pk)
    return officers.distinct().order_by("-rank", "last_name", "first_name")


def officers_nameable_by(applicant: User) -> QuerySet[User]:
    """Every officer ``applicant`` may name in some field of an application."""
    ids: set[int] = set()
    for field in NAMED_OFFICERS:
        ids.update(officers_eligible_for(field, applicant=applicant).values_list("pk", flat=True))
    return User.objects.filter(pk__in=ids).order_by("-rank", "last_name", "first_name")


def nameable_as(officer: User, *, applicant: User | None = None) -> list[str]:
    """The fields of an application ``officer`` may be named in."""
    from authority.rules import naming_problem

    applicant_id = applicant.pk if applicant is not None else None
    return [
        field
        for field in NAMED_OFFICERS
        if naming_problem(field, officer, applicant_id=applicant_id) is None
    ]


# --- the models a threshold may be set on ---------------------------------------------------


@dataclass(frozen=True)
class ModelEquitability:
    """One face model the engine knows, and what its latest report comparing groups says."""

    version: str
    has_report: bool
    minimum: Decimal | None

    @property
    def usable(self) -> bool:
        """Whether the engine will run under any threshold of this model."""
        return self.has_report and self.minimum is not None

    @property
    def summary(self) -> str:
        if not self.has_report:
            return "no equitability report: the engine will refuse every call"
        if self.minimum is None:
            return "groups treated differently at every threshold measured: no threshold allowed"
        return f"equitable from {self.minimum}"

    @property
    def warning(self) -> str:
        """What a person must know before relying on this model, or ''."""
        if not self.version:
            return ""
        if not self.has_report:
            return (
                f"No equitability report comparing groups exists for {self.version}: the engine "
                "will refuse every call under this authority until one is recorded."
            )
        if self.minimum is None:
            return (
                f"The latest equitability report for {self.version} finds groups treated "
                "differently at every threshold it measured: no authority may use this model, "
                "and the engine will refuse every call under it."
            )
        return ""


def model_equitability(model_version: str) -> ModelEquitability:
    from biometric_engine.selectors import floor_report

    report = floor_report(model_version=model_version) if model_version else None
    return ModelEquitability(
        version=model_version,
        has_report=report is not None,
        minimum=report.minimum_threshold if report is not None else None,
    )


def equality_evidence(application: Application) -> dict:
    """What the decide page and a live authority's page show of its model's equitability
    report: the floor and the FNIR finding beside it, and the continuing duty's warnings
    (a stale report, a watchlist larger than the one measured, no floor)."""
    from biometric_engine.selectors import floor_summary, report_warnings

    if not application.model_version:
        return {"show_equality": False}
    return {
        "show_equality": True,
        "floor_summary": floor_summary(model_version=application.model_version),
        "report_warnings": report_warnings(
            model_version=application.model_version,
            watchlist_size=application.max_watchlist_size,
            now=timezone.now(),
        ),
    }


def known_model_versions() -> list[str]:
    """The models the engine knows: the bundled one, the one configured now (a local model
    pack), and every model an equitability report was recorded for. The bundled first."""
    from biometric_engine.core.errors import EngineConfigurationError
    from biometric_engine.engine import default_model_version, engine_backend
    from biometric_engine.models import EquitabilityReport

    versions = [default_model_version()]
    if settings.WA_MODEL_PACK_DIR:  # loading the bundled backend's networks is not needed
        with contextlib.suppress(EngineConfigurationError):
            versions.append(engine_backend().model_version)
    versions += sorted(
        EquitabilityReport.objects.values_list("model_version", flat=True).distinct()
    )
    return list(dict.fromkeys(versions))


def known_models() -> list[ModelEquitability]:
    return [model_equitability(version) for version in known_model_versions()]
