"""Reads for the authority app, each filtered by what the reader may see."""

from itertools import chain

from django.db.models import QuerySet
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from authority import policies
from authority.models import Application, Decision, User
from oversight.redaction import hidden_fields, shown_value


def applications_visible_to(user: User) -> QuerySet[Application]:
    """An applicant sees their own; an authorising officer those submitted to them; oversight
    and Chief Officers all (global view permission)."""
    if not user.is_authenticated:
        return Application.objects.none()
    return get_objects_for_user(
        user, "authority.view_application", klass=Application, accept_global_perms=True
    ).select_related("applicant", "submitted_to")


def may_read_restricted(user: User, application: Application) -> bool:
    """The intelligence case: the applicant, the assigned decider and restricted readers."""
    if user.pk == application.applicant_id or user.has_perm(
        "authority.view_restricted_application"
    ):
        return True
    return ObjectPermissionChecker(user).has_perm("authorise_application", application)


def permitted_actions(user: User, application: Application) -> frozenset[str]:
    """Every act ``user`` may do to ``application`` now (``authority.policies``)."""
    return policies.permitted_actions(user, application)


def application_history(application: Application, *, reader: User) -> list[dict]:
    """Every recorded change to the application and its rows, newest first, with field diffs.

    A restricted field's old and new values are masked for a reader who may not read it.
    """
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
            hidden = hidden_fields(reader, type(record.instance), _owner(record, application))
            changes = [
                {
                    "field": c.field,
                    "old": shown_value(c.old, field=c.field, hidden=hidden),
                    "new": shown_value(c.new, field=c.field, hidden=hidden),
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
            }
        )
    return entries


def _owner(record, application: Application):
    """The object a history row's restricted fields belong to: the application for its own
    rows (the reader's rights are decided on the application, not on a historical copy)."""
    return application if isinstance(record.instance, Application) else record.instance


def scope_decision(application: Application) -> Decision | None:
    """The decision whose scope is in force (``DecisionQuerySet.in_force``)."""
    return application.decisions.in_force().prefetch_related("authorised_locations").first()
