"""Demo applications in every lifecycle state, made through the real services."""

import time
from datetime import timedelta

from django.utils import timezone

from authority import builders, services
from authority.models import (
    Application,
    ApplicationStatus,
    ConditionKind,
    LocationType,
    User,
)
from authority.rules import ConditionSpec

OPERATIONS = [
    # (operation, target state, mode, necessity)
    (
        "Operation Lark",
        "draft",
        "lfr",
        "Draft: wanted offenders believed to use the shopping centre on match days.",
    ),
    (
        "Operation Kestrel",
        "submitted",
        "lfr",
        "Three men wanted for knife-point robberies attend the Saturday market; eight weeks of "
        "patrols failed to find them and violence against traders continues.",
    ),
    (
        "Operation Wren",
        "returned",
        "lfr",
        "A vulnerable missing teenager has been sighted twice near the station this week.",
    ),
    (
        "Operation Heron",
        "authorised",
        "lfr",
        "Intelligence places people wanted on recall to prison at the festival's north gate; "
        "previous searches and warrants have not located them.",
    ),
    (
        "Operation Finch",
        "refused",
        "lfr",
        "General crime reduction across the borough over the summer.",
    ),
    (
        "Operation Merlin",
        "urgent_authorised",
        "lfr",
        "A man wanted for attempted murder was seen at the transport hub an hour ago; armed "
        "patrols are deployed and there is a risk to life.",
    ),
    (
        "Operation Swift",
        "lapsed",
        "lfr",
        "A suspect in a stabbing is expected at the stadium concourse this afternoon.",
    ),
    (
        "Operation Plover",
        "cancelled",
        "lfr",
        "Suspects in a series of burglaries meet at the market hall; patrols have not found them.",
    ),
    (
        "Operation Curlew",
        "expired",
        "rfr",
        "CCTV stills from a serious assault need a search of custody images to find a suspect.",
    ),
]


def _draft(users, name, mode, necessity, *, start, end, urgent=False) -> Application:
    """The shared builder, with this operation's own story."""
    place = name.split()[-1]
    return builders.build_draft(
        applicant=users["applicant"],
        decider=users["inspector"] if urgent else users["superintendent"],
        commanders={
            "gold_commander": users["superintendent2"],
            "silver_commander": users["silver"],
            "bronze_commander": users["engagement"],
        },
        mode=mode,
        operation_name=name,
        aim="Locate and arrest people wanted for serious violence.",
        intelligence_case="Restricted source reporting and CCTV analysis (demo text).",
        necessity=necessity,
        proportionality="Limited to the places and hours in the intelligence case; "
        f"non-matches deleted at once. ({necessity[:40]})",
        max_watchlist_size=50,
        start_at=start,
        end_at=end,
        advance_notice=not urgent,
        notice_details="" if urgent else "Force website 48 hours ahead; signage on approach.",
        no_notice_reason="critical_threat_to_life" if urgent else "",
        is_urgent=urgent,
        urgency_reason="Risk to life; no time for the usual process." if urgent else "",
        alternatives=builders.ALTERNATIVES[:1],
        locations=[
            {
                **builders.LOCATIONS[0],
                "name": f"{place} north entrance",
                "justification": "Named in the intelligence case.",
            },
            {
                **builders.LOCATIONS[1],
                "name": f"{place} south entrance",
                "location_type": LocationType.SOUGHT_PERSONS_LIKELY,
                "justification": "Exit route seen on CCTV.",
            },
        ]
        if mode == "lfr"
        else [],
    )


SHORT_WINDOW_S = 8  # long enough to authorise on a loaded machine, short enough to wait out


def seed_demo_applications(*, users: dict[str, User], stdout) -> None:
    """Create one application per state. Existing demo operations are left as they are."""
    existing = set(Application.objects.values_list("operation_name", flat=True))
    wanted = [op for op in OPERATIONS if op[0] not in existing]
    supt, insp, chief = users["superintendent"], users["inspector"], users["chief"]
    soon = []  # (application, job) pairs whose short window must pass before lapse/expiry
    last_end = None
    for name, state, mode, necessity in wanted:
        # Each short window is timed from its own drafting: on a loaded machine the earlier
        # applications' documents take seconds to render, and a window shared by all could
        # close before the last one is authorised.
        now = timezone.now()
        short = state in {"lapsed", "expired"}
        start = now - timedelta(minutes=5) if short else now + timedelta(days=3)
        end = now + timedelta(seconds=SHORT_WINDOW_S) if short else start + timedelta(hours=6)
        if short:
            last_end = end
        app = _draft(
            users,
            name,
            mode,
            necessity,
            start=start,
            end=end,
            urgent=state in {"urgent_authorised", "lapsed"},
        )
        if state == "draft":
            continue
        services.submit_application(application=app, by=users["applicant"])
        if state == "submitted":
            continue
        if state == "returned":
            services.return_application(
                application=app, by=supt, reasons="Add the Community Impact Assessment."
            )
            continue
        if state == "refused":
            services.refuse_application(
                application=app,
                by=supt,
                reasons="Not necessary: a general crime-reduction aim is not specific enough.",
            )
            continue
        if mode == "lfr":
            services.consult_chief_officer(
                application=app, by=chief, outcome="noted", comments="Proportionate; proceed."
            )
        if state in {"urgent_authorised", "lapsed"}:
            services.urgently_authorise_application(
                application=app,
                by=insp,
                reasons="Immediate risk to life.",
                superintendent_unavailable_reason="Duty Superintendent at a firearms incident.",
            )
            if state == "lapsed":
                soon.append((app, services.lapse_urgent_authority))
            continue
        conditions = []
        if mode == "lfr":
            conditions = [
                ConditionSpec(
                    ConditionKind.WATCHLIST_SIZE, "No more than 30 people on the watchlist.", 30
                ),
                ConditionSpec(
                    ConditionKind.SAFEGUARD, "Silver briefs every engagement team in person."
                ),
            ]
        services.authorise_application(
            application=app,
            by=supt,
            reasons="Necessary and proportionate as conditioned.",
            conditions=conditions,
        )
        if state == "cancelled":
            services.cancel_authority(
                application=app,
                by=supt,
                reasons="Suspects arrested.",
                report="Two arrests before the deployment; not needed.",
            )
        elif state == "expired":
            soon.append((app, services.expire_authority))
    if soon:
        time.sleep(max(0.0, (last_end - timezone.now()).total_seconds() + 0.5))
        for app, job in soon:
            job(application_id=app.pk)
    counts = {s: Application.objects.filter(status=s).count() for s in ApplicationStatus.values}
    stdout.write("Demo applications: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
