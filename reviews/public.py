"""What goes out: the public records of a deployment, built from what may be public alone.

The published columns (``COLUMNS``, documented in docs/reviews.md, the same for the page, the
CSV and the JSON) are the figures of the approved review and the deployment's public facts:
date, times, borough and location, use case, watchlist size, threshold. Never in a record:
the intelligence case, anyone's name (an officer's only at or above
``WA_PUBLIC_NAMED_MINIMUM_RANK``), images, record ids, database ids, restricted fields.
"""

from django.conf import settings
from django.utils import timezone

from authority.models import LocationType, WatchlistCategory
from deployments.models import Deployment
from reviews.figures import DeploymentFigures

# (key, heading, meaning): the open data's schema, in column order.
COLUMNS: list[tuple[str, str, str]] = [
    ("reference", "Reference", "The deployment's public reference"),
    ("date", "Date", "The day the deployment started (YYYY-MM-DD, London time)"),
    ("start_time", "Start", "When it started (HH:MM, London time)"),
    ("end_time", "End", "When it ended (HH:MM, London time)"),
    ("borough", "Borough", "The borough of the location"),
    ("location", "Location", "Where the cameras were"),
    ("use_case", "Use case", "Why the location was chosen, in the force's published criteria"),
    ("watchlist_size", "Watchlist size", "People on the signed-off watchlist"),
    ("threshold", "Threshold", "The match threshold on the model's score scale"),
    ("faces_processed", "Faces processed", "People seen by the cameras (each counted once)"),
    ("alerts", "Alerts", "Faces at or above the threshold for someone on the watchlist"),
    ("false_alerts", "False alerts", "Alerts found not to be the person on the watchlist"),
    ("engagements", "Engagements", "Alerts on which officers spoke to the person"),
    ("arrests", "Arrests", "Arrests that followed an engagement"),
    (
        "false_alert_rate_per_face_processed",
        "False alert rate per face processed (%)",
        "False alerts divided by faces processed, times 100, two significant figures",
    ),
    (
        "false_alert_rate_per_alert",
        "False alert rate per alert (%)",
        "False alerts divided by alerts, times 100, two significant figures",
    ),
]
COLUMN_KEYS = [key for key, _, _ in COLUMNS]
FIGURE_KEYS = [
    "watchlist_size",
    "faces_processed",
    "alerts",
    "false_alerts",
    "engagements",
    "arrests",
    "false_alert_rate_per_face_processed",
    "false_alert_rate_per_alert",
]


def _local(moment):
    return timezone.localtime(moment) if moment else None


def use_case(deployment: Deployment) -> str:
    return LocationType(deployment.location.location_type).label


def threshold_used(deployment: Deployment) -> str:
    decision = (
        deployment.authority.decisions.exclude(threshold=None).order_by("-decided_at").first()
    )
    return str(decision.threshold) if decision else ""


def authorised_by(deployment: Deployment) -> dict:
    """The authorising officer's rank, and their name only at or above the configured rank."""
    decision = deployment.authority.decisions.exclude(threshold=None).order_by("-decided_at")
    decision = decision.select_related("decided_by").first()
    if decision is None:
        return {}
    officer = decision.decided_by
    named = (officer.rank or 0) >= settings.WA_PUBLIC_NAMED_MINIMUM_RANK
    return {
        "rank": officer.rank_label,
        "name": officer.get_full_name() if named else "",
    }


def announcement_record(deployment: Deployment, *, reference: str, purpose: str) -> dict:
    start, end = _local(deployment.planned_start), _local(deployment.planned_end)
    return {
        "reference": reference,
        "date": f"{start:%Y-%m-%d}",
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "end_date": f"{end:%Y-%m-%d}",
        "borough": deployment.location.borough,
        "location": deployment.location.name,
        "use_case": use_case(deployment),
        "purpose": purpose,
    }


def results_record(deployment: Deployment, *, reference: str, figures: dict, purpose: str) -> dict:
    """The published row (``COLUMNS``) and, for the deployment's own page, the figures by
    watchlist category (counts and category names only) and who authorised it."""
    f = DeploymentFigures.from_dict(figures)
    start = _local(deployment.started_at or deployment.planned_start)
    end = _local(deployment.ended_at or deployment.planned_end)
    return {
        "reference": reference,
        "date": f"{start:%Y-%m-%d}",
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "borough": deployment.location.borough,
        "location": deployment.location.name,
        "use_case": use_case(deployment),
        "watchlist_size": f.watchlist_size,
        "threshold": threshold_used(deployment),
        "faces_processed": f.faces_processed,
        "alerts": f.alerts,
        "false_alerts": f.false_alerts,
        "engagements": f.engagements,
        "arrests": f.arrests,
        "false_alert_rate_per_face_processed": f.false_alert_rate_per_face_processed,
        "false_alert_rate_per_alert": f.false_alert_rate_per_alert,
        # Beyond the table: the deployment's own page.
        "true_alerts": f.true_alerts,
        "halted": deployment.status == "halted",
        "purpose": purpose,
        "authorised_by": authorised_by(deployment),
        "by_category": [
            {
                "category": WatchlistCategory(c.category).label
                if c.category in WatchlistCategory.values
                else c.category,
                "watchlist_entries": c.watchlist_entries,
                "alerts": c.alerts,
                "false_alerts": c.false_alerts,
                "engagements": c.engagements,
                "arrests": c.arrests,
            }
            for c in f.by_category
        ],
    }


def row(record: dict) -> list:
    return [record.get(key, "") for key in COLUMN_KEYS]
