"""What the gate reads at every engine call: one query over the authority, its decision in
force, the gallery with its seal and binding, the model's floor report and the scope's holder."""

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models.expressions import RawSQL

from authority.models import Application, Decision, User
from biometric_engine.core.identification import REPORT_VERSION
from biometric_engine.models import EquitabilityReport, Gallery
from biometric_engine.selectors import GROUPS_TO_COMPARE, moment
from gate.models import BoundGallery


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
    gallery_authority_id: int | None  # the authority a watchlist is bound to (gate.models)
    sealed_at: datetime | None
    sealed_revision: int | None
    sealed_until: datetime | None
    gallery_revision: int
    # The scope's model's floor report (``floor_report``; None: there is none).
    report_id: int | None
    report_minimum: Decimal | None
    holder_active: bool  # the scope's holder, as their account stands now
    holder_has_role: bool


_GATE_STATE_SQL = """
SELECT a.status, a.mode, a.lapses_at, a.valid_from, a.valid_until, a.halted_at,
       ({decision_in_force}),
       g.id, g.kind, g.model_version, b.authority_id, g.sealed_at, g.sealed_revision,
       g.sealed_until, g.revision, r.id, r.minimum_threshold,
       (SELECT u.is_active FROM {user} u WHERE u.id = %s),
       EXISTS (SELECT 1 FROM {user_groups} ug JOIN {group} gr ON gr.id = ug.group_id
               WHERE ug.user_id = %s AND gr.name = %s)
FROM {application} a
LEFT JOIN {gallery} g ON g.id = %s
LEFT JOIN {binding} b ON b.gallery_id = g.id
LEFT JOIN {report} r ON r.id = (
    SELECT latest.id FROM {report} latest
    WHERE latest.model_version = %s AND latest.group_count >= {groups}
      AND latest.report_version = {report_version}
    ORDER BY latest.created_at DESC, latest.id DESC LIMIT 1)
WHERE a.id = %s
"""


@functools.cache
def decision_in_force_sql() -> str:
    """``Decision.objects.in_force()`` for the authority ``a`` of the gate's query, compiled
    once from the ORM's own definition, so the two can never differ."""
    query = Decision.objects.in_force().filter(application_id=RawSQL("a.id", ())).values("id")[:1]
    sql, params = query.query.sql_with_params()
    assert not params, "the decision in force takes no parameters"
    return sql


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
        decision_in_force=decision_in_force_sql(),
        gallery=Gallery._meta.db_table,
        binding=BoundGallery._meta.db_table,
        report=EquitabilityReport._meta.db_table,
        user=User._meta.db_table,
        user_groups=User.groups.through._meta.db_table,
        group=Group._meta.db_table,
        groups=GROUPS_TO_COMPARE,
        report_version=REPORT_VERSION,
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
    sealed_at, sealed_revision, sealed_until, rev = row[11:15]
    report_id, minimum, holder_active, holder_has_role = row[15:]
    return GateState(
        authority_status=status,
        decision_id=decision_id,
        halted_at=moment(halted_at),
        authority_mode=mode,
        lapses_at=moment(lapses_at),
        valid_from=moment(valid_from),
        valid_until=moment(valid_until),
        gallery_found=gallery_pk is not None,
        gallery_kind=kind,
        gallery_model_version=gallery_model,
        gallery_authority_id=gallery_authority,
        sealed_at=moment(sealed_at),
        sealed_revision=sealed_revision,
        sealed_until=moment(sealed_until),
        gallery_revision=int(rev or 0),
        report_id=report_id,
        report_minimum=None if minimum is None else Decimal(str(minimum)),
        holder_active=bool(holder_active),
        holder_has_role=bool(holder_has_role),
    )
