"""A deployment's figures, computed twice: from its records and from its ledger events alone.

The figures of a review (and of what is published) are never typed in. ``from_records`` reads
the deployment's row counters, its alerts and the signed-off watchlist version it ran;
``from_ledger`` recomputes every figure from the tamper-evident events alone (the run's
``deployment.faces_seen``, ``engine.search_run``, ``alert.*`` events, and the watchlist's
``watchlist.signed_off`` and ``watchlist.entry_added`` events, which carry each entry's
category). ``disagreements`` names each figure on which the two differ: a review is submitted
only when there are none.

``figures_from_events`` is pure (no Django), so an offline verifier can run the same rules
over an inspection export.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from authority.models import WatchlistCategory
from deployments.models import (
    ENGAGED_OUTCOMES,
    FALSE_OUTCOMES,
    AdjudicationDecision,
    Alert,
    Deployment,
    EngagementResult,
)
from deployments.selectors import RUN_EVENTS
from oversight.models import LedgerEntry
from oversight.selectors import run_events
from watchlists.models import WatchlistVersion

WATCHLIST_EVENTS = ("watchlist.signed_off", "watchlist.entry_added")
# The published figures, in the order forces publish them (DOMAIN: Post-deployment review).
FIGURE_LABELS = {
    "faces_processed": "Faces processed",
    "watchlist_size": "Watchlist size",
    "alerts": "Alerts",
    "true_alerts": "True alerts",
    "false_alerts": "False alerts",
    "undecided_alerts": "Alerts not adjudicated",
    "engagements": "Engagements",
    "arrests": "Arrests",
}


def rate(numerator: int, denominator: int) -> str:
    """A percentage to two significant figures ("0.0083", "9.1"); "" when nothing to divide.
    Forces publish so: 1 in 12,120 is 0.0083 %, 1 in 11 is 9.1 %."""
    if not denominator:
        return ""
    value = Decimal(numerator) * 100 / Decimal(denominator)
    if value == 0:
        return "0"
    exponent = value.adjusted() - 1  # two significant figures
    quantum = Decimal(1).scaleb(exponent)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:f}" if exponent < 0 else f"{rounded.normalize():f}"


@dataclass(frozen=True)
class CategoryFigures:
    category: str
    watchlist_entries: int = 0
    alerts: int = 0
    true_alerts: int = 0
    false_alerts: int = 0
    engagements: int = 0
    arrests: int = 0

    @property
    def label(self) -> str:
        try:
            return WatchlistCategory(self.category).label
        except ValueError:
            return self.category


@dataclass(frozen=True)
class DeploymentFigures:
    frames_processed: int = 0
    faces_processed: int = 0
    watchlist_size: int = 0
    alerts: int = 0
    true_alerts: int = 0
    false_alerts: int = 0
    undecided_alerts: int = 0
    engagements: int = 0
    arrests: int = 0
    # What followed each engagement (EngagementResult codes), counted.
    outcomes: dict[str, int] = field(default_factory=dict)
    by_category: tuple[CategoryFigures, ...] = ()

    @property
    def false_alert_rate_per_face_processed(self) -> str:
        return rate(self.false_alerts, self.faces_processed)

    @property
    def false_alert_rate_per_alert(self) -> str:
        return rate(self.false_alerts, self.alerts)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["by_category"] = [asdict(c) for c in self.by_category]
        data["false_alert_rate_per_face_processed"] = self.false_alert_rate_per_face_processed
        data["false_alert_rate_per_alert"] = self.false_alert_rate_per_alert
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> "DeploymentFigures":
        names = set(cls.__dataclass_fields__) - {"by_category", "outcomes"}
        return cls(
            **{k: int(data.get(k, 0)) for k in names},
            outcomes={k: int(v) for k, v in (data.get("outcomes") or {}).items()},
            by_category=tuple(CategoryFigures(**dict(c)) for c in data.get("by_category") or ()),
        )

    def outcome_rows(self) -> list[tuple[str, int]]:
        return [(r.label, self.outcomes.get(r.value, 0)) for r in EngagementResult]


@dataclass
class _AlertFacts:
    category: str = ""
    raised: bool = False
    possible_match: bool = False
    no_match: bool = False
    outcome: str = ""
    engaged: bool = False
    result: str = ""


def _aggregate(
    *,
    frames: int,
    faces: int,
    watchlist_size: int,
    category_counts: Mapping[str, int],
    alerts: Iterable[_AlertFacts],
) -> DeploymentFigures:
    totals: Counter = Counter()
    per_category: dict[str, Counter] = {c: Counter() for c in category_counts}
    outcomes: Counter = Counter()
    for alert in alerts:
        if not alert.raised:
            continue
        false = alert.no_match or alert.outcome in FALSE_OUTCOMES
        # True: a person adjudicated it a possible match and nothing later found it false
        # (an engagement that found the wrong person, or a decision not to engage).
        true = alert.possible_match and not false
        engaged = alert.engaged and alert.outcome in ENGAGED_OUTCOMES
        arrest = engaged and alert.result == EngagementResult.ARREST
        counts = {
            "alerts": 1,
            "true_alerts": int(true),
            "false_alerts": int(false),
            "engagements": int(engaged),
            "arrests": int(arrest),
        }
        totals.update(counts)
        totals["undecided_alerts"] += int(not (alert.possible_match or alert.no_match))
        per_category.setdefault(alert.category, Counter()).update(counts)
        if engaged and alert.result:
            outcomes[alert.result] += 1
    return DeploymentFigures(
        frames_processed=frames,
        faces_processed=faces,
        watchlist_size=watchlist_size,
        alerts=totals["alerts"],
        true_alerts=totals["true_alerts"],
        false_alerts=totals["false_alerts"],
        undecided_alerts=totals["undecided_alerts"],
        engagements=totals["engagements"],
        arrests=totals["arrests"],
        outcomes=dict(sorted(outcomes.items())),
        by_category=tuple(
            CategoryFigures(
                category=category,
                watchlist_entries=int(category_counts.get(category, 0)),
                alerts=counts["alerts"],
                true_alerts=counts["true_alerts"],
                false_alerts=counts["false_alerts"],
                engagements=counts["engagements"],
                arrests=counts["arrests"],
            )
            for category, counts in sorted(per_category.items())
        ),
    )


def version_run(deployment: Deployment) -> int:
    """The watchlist version the deployment ran: the one in force when it started (a
    signed-off list is frozen; any change opens a version needing its own sign-off)."""
    started = (
        LedgerEntry.objects.filter(
            action="deployment.started",
            object_type="deployments.deployment",
            object_id=str(deployment.pk),
        )
        .order_by("seq")
        .first()
    )
    if started is not None and "watchlist_version" in started.data:
        return int(started.data["watchlist_version"])
    return deployment.watchlist.version


def from_records(deployment: Deployment) -> DeploymentFigures:
    """The figures from the deployment's rows: its counters, alerts and watchlist version."""
    deployment = Deployment.objects.select_related("watchlist").get(pk=deployment.pk)
    version = WatchlistVersion.objects.filter(
        watchlist_id=deployment.watchlist_id,
        number=version_run(deployment),
        signed_off_at__isnull=False,
    ).first()
    alerts = [
        _AlertFacts(
            category=a.entry.category,
            raised=True,
            possible_match=a.decision == AdjudicationDecision.POSSIBLE_MATCH,
            no_match=a.decision == AdjudicationDecision.NO_MATCH,
            outcome=a.outcome,
            engaged=bool(a.engaged),
            result=a.result,
        )
        for a in Alert.objects.filter(deployment=deployment).select_related("entry")
    ]
    figures = _aggregate(
        frames=deployment.frames_processed,
        faces=deployment.faces_processed,
        watchlist_size=version.entry_count if version else 0,
        category_counts=(version.category_counts if version else {}) or {},
        alerts=alerts,
    )
    if figures.alerts != deployment.alerts_raised:
        # The row's counter and the alert rows disagree: report the counter, so the check
        # against the ledger names the figure.
        figures = DeploymentFigures.from_dict(
            figures.as_dict() | {"alerts": deployment.alerts_raised}
        )
    return figures


def figures_from_events(
    *, run_id: str, watchlist_id: int, version: int, events: Iterable[tuple]
) -> DeploymentFigures:
    """The figures from ledger events alone: ``(action, object_type, object_id, payload)``
    tuples, the payload parsed. Pure, so an offline verifier can run it over an export."""
    frames = faces = 0
    size, category_counts = 0, {}
    entry_category: dict[str, str] = {}
    alerts: dict[str, _AlertFacts] = {}
    watchlist_key = ("watchlists.watchlist", str(watchlist_id))
    for action, object_type, object_id, data in events:
        if action in WATCHLIST_EVENTS:
            if (object_type, object_id) != watchlist_key:
                continue
            if action == "watchlist.entry_added":
                entry_category[str(data.get("entry_id"))] = str(data.get("category", ""))
            elif int(data.get("version", 0)) == version:
                size = int(data.get("entry_count", 0))
                category_counts = dict(data.get("category_counts") or {})
            continue
        if data.get("run_id") != run_id:
            continue
        if action == "engine.search_run":
            frames += 1
        elif action == "deployment.faces_seen":
            faces += int(data.get("new_faces_count", 0))
        elif object_type == "deployments.alert":
            facts = alerts.setdefault(object_id, _AlertFacts())
            if action == "alert.raised":
                facts.raised = True
                facts.category = entry_category.get(str(data.get("entry_id")), "")
            elif action == "alert.adjudicated":
                decision = data.get("decision")
                facts.possible_match = decision == AdjudicationDecision.POSSIBLE_MATCH
                facts.no_match = decision == AdjudicationDecision.NO_MATCH
            elif action == "alert.engagement_decided":
                facts.outcome = str(data.get("outcome", ""))
                facts.engaged = bool(data.get("engaged"))
                facts.result = str(data.get("result", ""))
    return _aggregate(
        frames=frames,
        faces=faces,
        watchlist_size=size,
        category_counts=category_counts,
        alerts=alerts.values(),
    )


def from_ledger(deployment: Deployment) -> DeploymentFigures:
    """The same figures recomputed from the ledger events of the run and its watchlist."""
    run_id = deployment.run_id
    # Through the ledger's run index, not a text scan of every engine event of the force.
    run_entries = run_events(run_id, actions=RUN_EVENTS)
    watchlist_events = LedgerEntry.objects.filter(
        action__in=WATCHLIST_EVENTS,
        object_type="watchlists.watchlist",
        object_id=str(deployment.watchlist_id),
    )
    # Entries first (an alert names its entry), then the run, each in ledger order.
    events = [
        (e.action, e.object_type, e.object_id, e.data)
        for queryset in (watchlist_events, run_entries)
        for e in queryset.order_by("seq").only("action", "object_type", "object_id", "payload")
    ]
    return figures_from_events(
        run_id=run_id,
        watchlist_id=deployment.watchlist_id,
        version=version_run(deployment),
        events=events,
    )


def disagreements(records: DeploymentFigures, ledger: DeploymentFigures) -> list[str]:
    """The figures on which the records and the ledger differ, by name ("" when none)."""
    a, b = records.as_dict(), ledger.as_dict()
    return [name for name in a if a[name] != b[name]]
