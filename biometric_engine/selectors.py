"""Reads of the engine's records for pages and for other apps' rules."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import QuerySet

from authority.models import Application, Decision, User
from biometric_engine.models import EnrolledFace, EquitabilityReport, Gallery

VIEW_REPORTS = "biometric_engine.view_equitabilityreport"


# A report compares groups only when it has two or more; one without is an accuracy report
# and neither sets nor lifts a model's equitable minimum.
GROUPS_TO_COMPARE = 2


def floor_report(*, model_version: str) -> EquitabilityReport | None:
    """The latest report for this model that compares groups: the one its floor comes from."""
    return (
        EquitabilityReport.objects.filter(
            model_version=model_version, group_count__gte=GROUPS_TO_COMPARE
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def minimum_threshold_for(*, model_version: str) -> Decimal | None:
    """The minimum threshold of the latest report comparing groups for this model version.

    None when there is no such report, or when the latest could not determine one (its groups
    differ at every threshold): either way no threshold of that model is known to be
    equitable, and the caller must treat it so.
    """
    report = floor_report(model_version=model_version)
    return None if report is None else report.minimum_threshold


def equitability_reports_visible_to(*, user) -> QuerySet[EquitabilityReport]:
    """Every report for those holding the view permission (they are not per object)."""
    if not user.has_perm(VIEW_REPORTS):
        return EquitabilityReport.objects.none()
    return EquitabilityReport.objects.select_related("created_by").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class GateState:
    """The columns the gate checks, of one authority and one gallery, read in one query."""

    authority_status: str
    decision_id: int | None  # the decision whose scope is in force (authority.selectors)
    halted_at: datetime | None
    authority_mode: str
    lapses_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None
    gallery_found: bool
    gallery_kind: str | None
    gallery_model_version: str | None
    gallery_authority_id: int | None
    signed_off_at: datetime | None
    composed_at: datetime | None
    deployment_start: datetime | None
    gallery_revision: int
    # The scope's model's floor report (``floor_report``; None: there is none).
    report_id: int | None
    report_minimum: Decimal | None
    holder_active: bool  # the scope's holder, as their account stands now
    holder_has_role: bool


_GATE_STATE_SQL = """
SELECT a.status, a.mode, a.lapses_at, a.valid_from, a.valid_until, a.halted_at,
       (SELECT d.id FROM {decision} d
        WHERE d.application_id = a.id AND d.authorised_end IS NOT NULL
        ORDER BY d.decided_at DESC, d.id DESC LIMIT 1),
       g.id, g.kind, g.model_version, g.authority_id, g.signed_off_at, g.composed_at,
       g.deployment_start, g.revision, r.id, r.minimum_threshold,
       (SELECT u.is_active FROM {user} u WHERE u.id = %s),
       EXISTS (SELECT 1 FROM {user_groups} ug JOIN {group} gr ON gr.id = ug.group_id
               WHERE ug.user_id = %s AND gr.name = %s)
FROM {application} a
LEFT JOIN {gallery} g ON g.id = %s
LEFT JOIN {report} r ON r.id = (
    SELECT latest.id FROM {report} latest
    WHERE latest.model_version = %s AND latest.group_count >= {groups}
    ORDER BY latest.created_at DESC, latest.id DESC LIMIT 1)
WHERE a.id = %s
"""


def gate_state(
    *,
    authority_id: int,
    gallery_id: int,
    model_version: str,
    holder_id: int,
    role: str,
    lock: bool = False,
) -> GateState | None:
    """What the gate re-checks at every call; None when the authority does not exist.

    ``lock`` takes a share lock on the authority's row (PostgreSQL; SQLite's IMMEDIATE
    transactions already hold the write lock): calls from several cameras run side by side,
    while a cancellation or halt, which locks the row for update, waits for calls in flight
    or is seen by the next one.
    Plain SQL on purpose: this runs twice for every camera frame, and compiling the two ORM
    queries it replaces cost four times the database's own work.
    """
    sql = _GATE_STATE_SQL.format(
        application=Application._meta.db_table,
        decision=Decision._meta.db_table,
        gallery=Gallery._meta.db_table,
        report=EquitabilityReport._meta.db_table,
        user=User._meta.db_table,
        user_groups=User.groups.through._meta.db_table,
        group=Group._meta.db_table,
        groups=GROUPS_TO_COMPARE,
    )
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR SHARE OF a"
    with connection.cursor() as cursor:
        cursor.execute(sql, [holder_id, holder_id, role, gallery_id, model_version, authority_id])
        row = cursor.fetchone()
    if row is None:
        return None
    status, mode, lapses_at, valid_from, valid_until, halted_at, decision_id = row[:7]
    gallery_pk, kind, gallery_model, gallery_authority = row[7:11]
    signed_off_at, composed_at, deployment_start, rev = row[11:15]
    report_id, minimum, holder_active, holder_has_role = row[15:]
    return GateState(
        authority_status=status,
        decision_id=decision_id,
        halted_at=_moment(halted_at),
        authority_mode=mode,
        lapses_at=_moment(lapses_at),
        valid_from=_moment(valid_from),
        valid_until=_moment(valid_until),
        gallery_found=gallery_pk is not None,
        gallery_kind=kind,
        gallery_model_version=gallery_model,
        gallery_authority_id=gallery_authority,
        signed_off_at=_moment(signed_off_at),
        composed_at=_moment(composed_at),
        deployment_start=_moment(deployment_start),
        gallery_revision=int(rev or 0),
        report_id=report_id,
        report_minimum=None if minimum is None else Decimal(str(minimum)),
        holder_active=bool(holder_active),
        holder_has_role=bool(holder_has_role),
    )


def enrolled_ids(gallery_id: int, ids: list[int]) -> set[int]:
    """Which of these template ids are still enrolled in the gallery (plain SQL, as gate_state:
    it runs on the path of every match)."""
    table = EnrolledFace._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE gallery_id = %s AND id IN ({marks})",  # noqa: S608
            [gallery_id, *ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _moment(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware datetime (SQLite hands back naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def equitability_problem(
    *,
    report_id: int | None,
    minimum: Decimal | None,
    model_version: str,
    threshold: Decimal,
) -> tuple[str, str] | None:
    """Why ``threshold`` of ``model_version`` may not be used, as (code, sentence), or None.

    DOMAIN: a threshold is a (model version, score) pair that may be used only where its
    equitability report exists, at or above the minimum the report derives.
    """
    if report_id is None:
        return (
            "no_equitability_report",
            f"No equitability report comparing groups exists for {model_version}: record one "
            "before the engine runs at any threshold of it.",
        )
    if minimum is None:
        return (
            "no_equitable_threshold",
            f"The latest equitability report for {model_version} finds groups treated "
            "differently at every threshold it measured.",
        )
    if minimum is not None and threshold < minimum:
        return (
            "threshold_below_equitable_minimum",
            f"A threshold of {threshold} is below {minimum}, the lowest at which the "
            f"equitability report for {model_version} finds no significant difference between "
            "groups.",
        )
    return None
