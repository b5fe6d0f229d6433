"""Reads for oversight: the timeline, an object's history and the registers, all built from the
ledger (so they work for capabilities before their apps exist) and django-simple-history."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, Max, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from oversight.canonical import format_time, parse_time
from oversight.models import LedgerEntry
from oversight.redaction import hidden_fields, shown_value
from oversight.registers import (
    FollowUpRegister,
    compliance_label,
    follow_up_register,
    refused_actions,
    role_events,
)
from oversight.schema import RUN_ID_EXPRESSION

COMPLIANCE_KEY = "compliance_exception"
URGENT_REGISTER = "urgent-authorities"


def day_start(value: date) -> str:
    return format_time(datetime(value.year, value.month, value.day, tzinfo=UTC))


def timeline(
    *,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[LedgerEntry]:
    """Ledger entries, newest first, filtered. ``actor`` is a user id, a username or "system";
    ``action`` matches exactly, or as a prefix when it ends with "." or "*"."""
    entries = LedgerEntry.objects.all()
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if actor:
        entries = entries.filter(actor_filter(actor))
    if action:
        if action.endswith(("*", ".")):
            entries = entries.filter(action__startswith=action.rstrip("*"))
        else:
            entries = entries.filter(action=action)
    return by_dates(entries, date_from, date_to).order_by("-seq")


def actor_filter(actor: str) -> Q:
    actor = actor.strip()
    if actor.lower() == "system":
        return Q(actor_id__isnull=True)
    if actor.isdigit():
        return Q(actor_id=int(actor))
    user = get_user_model().objects.filter(username=actor).only("pk").first()
    return Q(actor_id=user.pk) if user else Q(pk__in=[])


def by_dates(entries: QuerySet, date_from: date | None, date_to: date | None) -> QuerySet:
    """Filter on UTC dates (recorded_at is fixed-width UTC text, so text order is time order)."""
    if date_from:
        entries = entries.filter(recorded_at__gte=day_start(date_from))
    if date_to:
        entries = entries.filter(recorded_at__lt=day_start(date_to + timedelta(days=1)))
    return entries


def actors_for(entries) -> dict[int, Model]:
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    return get_user_model().objects.in_bulk(ids)


def object_events(object_type: str, object_id: str) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")


def ledger_head_seq() -> int:
    """The sequence number of the newest entry (0 for an empty ledger). Entries are appended
    one at a time under a lock held to commit, so every entry up to it is committed."""
    return LedgerEntry.objects.aggregate(head=Max("seq"))["head"] or 0


def run_events(
    run_id: str, *, actions: tuple[str, ...], after_seq: int = 0, upto_seq: int | None = None
) -> QuerySet[LedgerEntry]:
    """The entries whose payload carries ``run_id`` (a caller's run, e.g. a deployment's), of
    ``actions``, after ``after_seq`` (and up to ``upto_seq``), oldest first: found through the
    run index (``schema.RUN_INDEX``), never by reading the whole ledger."""
    # A constant of the schema, no input in it: the index's own expression, matched exactly.
    sql = RUN_ID_EXPRESSION[connection.vendor]
    expression = RawSQL(sql, (), output_field=CharField())  # noqa: S611
    entries = (
        LedgerEntry.objects.alias(run_id=expression)
        .filter(run_id=run_id, action__in=actions, seq__gt=after_seq)
        .order_by("seq")
    )
    return entries if upto_seq is None else entries.filter(seq__lte=upto_seq)


def run_first_seq(run_id: str, *, upto_seq: int) -> int | None:
    """The seq of the first entry carrying ``run_id`` (its run's opening), by the run index."""
    sql = RUN_ID_EXPRESSION[connection.vendor]
    expression = RawSQL(sql, (), output_field=CharField())  # noqa: S611
    return (
        LedgerEntry.objects.alias(run_id=expression)
        .filter(run_id=run_id, seq__lte=upto_seq)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )


@dataclass
class FollowUp:
    """One opening event of a follow-up register and what followed for the same object."""

    register: FollowUpRegister
    entry: LedgerEntry
    followed: list[LedgerEntry] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        decisive = [e for e in self.followed if e.action in self.register.outcomes]
        return self.register.outcomes[decisive[-1].action] if decisive else self.register.awaiting

    @property
    def timely(self) -> LedgerEntry | None:
        return next((e for e in self.followed if e.action == self.register.timely_action), None)

    @property
    def timely_after(self) -> timedelta | None:
        return self.timely.time - self.entry.time if self.timely else None

    @property
    def deadline(self) -> datetime:
        named = json.loads(self.entry.payload).get(self.register.deadline_field)
        return parse_time(named) if named else self.entry.time + self.register.limit

    @property
    def exceptions(self) -> list[str]:
        codes = [code for e in [self.entry, *self.followed] if (code := compliance_code(e))]
        late = self.register.late_code
        if self.timely and self.timely.time > self.deadline and late not in codes:
            codes.append(late)
        return [compliance_label(code) for code in codes]


def follow_ups(
    name: str, *, date_from: date | None = None, date_to: date | None = None
) -> list[FollowUp]:
    """Every opening event of the named register (newest first) with what followed it."""
    register = follow_up_register(name)
    if register is None:  # the app that hands it in is not installed
        return []
    opening = register.opening_action
    opened = list(
        by_dates(LedgerEntry.objects.filter(action=opening), date_from, date_to).order_by("-seq")
    )
    if not opened:
        return []
    later: dict[tuple[str, str], list[LedgerEntry]] = defaultdict(list)
    follow_up_entries = LedgerEntry.objects.filter(
        object_type__in={e.object_type for e in opened},
        object_id__in={e.object_id for e in opened},
        seq__gt=min(e.seq for e in opened),
    ).order_by("seq")
    for entry in follow_up_entries:
        later[(entry.object_type, entry.object_id)].append(entry)
    return [
        FollowUp(
            register,
            entry,
            [
                e
                for e in later[(entry.object_type, entry.object_id)]
                if e.seq > entry.seq and e.action != opening
            ],
        )
        for entry in opened
    ]


def urgent_authorities(
    *, date_from: date | None = None, date_to: date | None = None
) -> list[FollowUp]:
    return follow_ups(URGENT_REGISTER, date_from=date_from, date_to=date_to)


def compliance_code(entry: LedgerEntry) -> str | None:
    if f'"{COMPLIANCE_KEY}":' not in entry.payload:
        return None
    value = json.loads(entry.payload).get(COMPLIANCE_KEY)
    return str(value) if value else None


def compliance_exceptions(
    *, code: str = "", date_from: date | None = None, date_to: date | None = None
) -> list[LedgerEntry]:
    """Entries whose payload names a compliance exception, newest first."""
    candidates = by_dates(
        LedgerEntry.objects.filter(payload__contains=f'"{COMPLIANCE_KEY}":'), date_from, date_to
    ).order_by("-seq")
    found = []
    for entry in candidates:
        entry_code = compliance_code(entry)
        if entry_code and (not code or entry_code == code):
            entry.compliance_label = compliance_label(entry_code)
            found.append(entry)
    return found


def refused_engine_calls(
    *, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.filter(action__in=refused_actions())
    return by_dates(entries, date_from, date_to).order_by("-seq")


# --- field-level history (django-simple-history) ----------------------------------------


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryStep:
    when: datetime
    kind: str
    user: object
    reason: str
    changes: list[FieldChange]


HISTORY_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def has_history(model: type[Model]) -> bool:
    return hasattr(model, "history") and hasattr(model.history, "model")


def field_history(model: type[Model], object_id: str, *, reader) -> list[HistoryStep]:
    """Each recorded version of one object, oldest first, with the fields that changed.

    A restricted field (``oversight.redaction``) shows as masked to a reader who may not read it.
    """
    history = model.history
    try:
        records = list(
            history.filter(**{model._meta.pk.attname: object_id})
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
    except (ValueError, ValidationError):
        return []
    tracked = [f for f in history.model.tracked_fields if f.editable]
    current = model._default_manager.filter(pk=object_id).first() if records else None
    hidden = hidden_fields(reader, model, current)

    def show(value, field: str) -> str:
        return _show(shown_value(value, field=field, hidden=hidden))

    labels = {f.name: str(f.verbose_name) for f in tracked}
    steps = []
    previous = None
    for record in records:
        if previous is None:
            changes = [
                FieldChange(labels[f.name], "", show(getattr(record, f.attname), f.name))
                for f in tracked
                if getattr(record, f.attname) not in (None, "")
            ]
        else:
            delta = record.diff_against(previous)
            changes = [
                FieldChange(
                    labels.get(c.field, c.field), show(c.old, c.field), show(c.new, c.field)
                )
                for c in delta.changes
            ]
        steps.append(
            HistoryStep(
                when=record.history_date,
                kind=HISTORY_KINDS.get(record.history_type, record.history_type),
                user=record.history_user,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    return steps


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


# --- who held which role when (the account services' ledger events) --------------------


@dataclass
class RoleHolding:
    """One span during which an account held a role: from its grant to its withdrawal."""

    account_id: str
    role: str
    granted: LedgerEntry
    withdrawn: LedgerEntry | None = None

    @property
    def reasons(self) -> str:
        return json.loads(self.granted.payload).get("reasons", "")


def role_holdings(
    *, role: str = "", account: str = "", at: date | None = None
) -> list[RoleHolding]:
    """Every span a role was held, newest grant first, rebuilt from the ledger alone (so a
    holder at any past moment can be named even after the role was withdrawn). ``at``: only
    spans that covered that UTC day."""
    events = role_events()
    granted = {e.granted for e in events}
    entries = LedgerEntry.objects.filter(action__in=granted | {e.withdrawn for e in events})
    if account:
        account_type = get_user_model()._meta.label_lower
        entries = entries.filter(object_type=account_type, object_id=account)
    open_spans: dict[tuple[str, str], RoleHolding] = {}
    spans: list[RoleHolding] = []
    for entry in entries.order_by("seq"):
        held = json.loads(entry.payload).get("role", "")
        if role and held != role:
            continue
        key = (entry.object_id, held)
        if entry.action in granted:
            open_spans[key] = RoleHolding(entry.object_id, held, entry)
            spans.append(open_spans[key])
        elif key in open_spans:
            open_spans.pop(key).withdrawn = entry
    if at is not None:
        start, end = day_start(at), day_start(at + timedelta(days=1))
        spans = [
            s
            for s in spans
            if s.granted.recorded_at < end
            and (s.withdrawn is None or s.withdrawn.recorded_at >= start)
        ]
    return sorted(spans, key=lambda s: -s.granted.seq)
