"""A force's database after years of use, and 50 clients on it: ``seed_scale`` and ``load_test``.

``seed_scale`` fills the configured (PostgreSQL) database with the shape the load goal names:
10,000 applications across the lifecycle (each with a location), 1,000 LFR deployments (each
with its watchlist and gallery, most completed with their counters) and 1,000,000 ledger
entries, the chain and its signed checkpoints computed as the ledger would
(``oversight.benchmark.bulk_append``). Rows are written in bulk, not through the services: this
is volume for reading, not a record of anything (the entries' actions are the benchmark's
synthetic ones). It refuses a database that already holds a ledger or applications, so it can
never be run on a real force's data.

``load_test`` runs N closed-loop clients (no think time: the harshest reading of "50 concurrent
clients") for S seconds against a running server (gunicorn), each signed in as a demo officer
(a server-side session, as the sign-in form would make) or holding an API token, cycling
through the page groups below, and reports requests per second and p50/p95/p99 per group, with
every non-2xx answer counted as an error.

The public transparency site's share (published deployments to seed, its pages in the mix) is
``reviews.scale``'s: this app may not import reviews, so both commands live in ``reviews``.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

APPLICATION_STATUSES = (
    ("expired", 0.55),
    ("cancelled", 0.2),
    ("authorised", 0.05),
    ("refused", 0.05),
    ("submitted", 0.05),
    ("draft", 0.1),
)
BOROUGHS = ("Westminster", "Camden", "Croydon", "Hackney", "Lambeth", "Newham", "Southwark")
BATCH = 2_000


@dataclass
class SeedFigures:
    applications: int = 0
    deployments: int = 0
    ledger_entries: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def seed_scale(
    *, applications: int, deployments: int, ledger_entries: int, password: str, say=print
) -> SeedFigures:
    """Fill an empty database (see the module); the counts written and the time each took."""
    from authority.demo import seed_demo_accounts
    from authority.models import Application
    from oversight.benchmark import bulk_append
    from oversight.models import LedgerEntry

    if LedgerEntry.objects.exists() or Application.objects.exists():
        raise RuntimeError(
            "seed_scale fills an empty, migrated database only: this one already holds a "
            "ledger or applications."
        )
    if deployments > applications:
        raise ValueError("Each deployment needs an application of its own: ask for fewer.")
    figures = SeedFigures()
    started = time.perf_counter()
    say(f"Ledger: {ledger_entries:,} chained entries with signed checkpoints...")
    bulk_append("default", ledger_entries, checkpoint_every=10_000)
    figures.ledger_entries = ledger_entries
    figures.seconds["ledger"] = time.perf_counter() - started

    started = time.perf_counter()
    users = {u.username: u for u in seed_demo_accounts(password=password)}
    say(f"Applications: {applications:,} with a location each...")
    lfr_ids = _applications(applications, deployments, users)
    figures.applications = applications
    figures.seconds["applications"] = time.perf_counter() - started

    started = time.perf_counter()
    say(f"Deployments: {deployments:,} with a watchlist and gallery each...")
    _deployments(lfr_ids, users)
    figures.deployments = len(lfr_ids)
    figures.seconds["deployments"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return figures


def _status(rng: random.Random) -> str:
    pick, total = rng.random(), 0.0
    for status, share in APPLICATION_STATUSES:
        total += share
        if pick < total:
            return status
    return APPLICATION_STATUSES[0][0]


def _applications(count: int, lfr_count: int, users: dict) -> list[int]:
    """``count`` applications (the first ``lfr_count`` LFR and past, for deployments), each
    with one location; the LFR ones' ids."""
    from authority.models import Application, Location

    rng = random.Random(20261202)  # noqa: S311 (synthetic data, reproducible)
    now = timezone.now()
    applicant, superintendent = users["applicant"], users["superintendent"]
    ids: list[int] = []
    for first in range(0, count, BATCH):
        rows = []
        for n in range(first, min(count, first + BATCH)):
            lfr = n < lfr_count
            status = "expired" if lfr else _status(rng)
            start = now - timedelta(days=rng.randint(1, 3 * 365))
            decided = status not in ("draft", "submitted")
            rows.append(
                Application(
                    reference=f"SCALE-{n + 1:06d}",
                    applicant=applicant,
                    status=status,
                    mode="lfr" if lfr else rng.choice(("lfr", "rfr", "oifr")),
                    operation_name=f"Operation Scale {n + 1}",
                    aim="Synthetic volume for the load test.",
                    necessity=f"Synthetic volume for the load test, statement number {n + 1}.",
                    proportionality="Synthetic volume for the load test.",
                    max_watchlist_size=rng.randint(100, 10_000),
                    start_at=start,
                    end_at=start + timedelta(hours=8),
                    requested_threshold=Decimal("0.640"),
                    submitted_to=superintendent if status != "draft" else None,
                    submitted_at=start - timedelta(days=7) if status != "draft" else None,
                    valid_from=start if decided else None,
                    valid_until=start + timedelta(hours=8) if decided else None,
                )
            )
        with transaction.atomic():
            made = Application.objects.bulk_create(rows)
            Location.objects.bulk_create(
                [
                    Location(
                        application=a,
                        name=f"High Street {a.pk % 500}",
                        borough=BOROUGHS[a.pk % len(BOROUGHS)],
                        location_type="crime_hotspot",
                    )
                    for a in made
                ]
            )
        ids += [a.pk for a in made if a.mode == "lfr" and a.reference <= f"SCALE-{lfr_count:06d}"]
    return ids[:lfr_count]


def _deployments(application_ids: list[int], users: dict) -> None:
    """A completed deployment per application: gallery, watchlist, deployment, counters."""
    from authority.models import Application, Location
    from biometric_engine.engine import default_model_version
    from biometric_engine.models import Gallery
    from deployments.models import Deployment
    from watchlists.models import Watchlist

    rng = random.Random(7)  # noqa: S311 (synthetic data)
    model = default_model_version()
    officer, silver = users["watchlist"], users["silver"]
    locations = dict(
        Location.objects.filter(application_id__in=application_ids).values_list(
            "application_id", "pk"
        )
    )
    for first in range(0, len(application_ids), BATCH):
        chunk = application_ids[first : first + BATCH]
        authorities = Application.objects.in_bulk(chunk)
        with transaction.atomic():
            galleries = Gallery.objects.bulk_create(
                [
                    Gallery(name=f"Scale watchlist {pk}", kind="watchlist", model_version=model)
                    for pk in chunk
                ]
            )
            watchlists = Watchlist.objects.bulk_create(
                [
                    Watchlist(
                        authority_id=pk,
                        name=f"Scale watchlist {pk}",
                        gallery=gallery,
                        deployment_start=authorities[pk].valid_from,
                        deployment_end=authorities[pk].valid_until,
                        location_id=locations[pk],
                        status="data_deleted",
                        created_by=officer,
                        created_at=authorities[pk].valid_from - timedelta(days=2),
                        data_deleted_at=authorities[pk].valid_until + timedelta(hours=20),
                    )
                    for pk, gallery in zip(chunk, galleries, strict=True)
                ]
            )
            Deployment.objects.bulk_create(
                [
                    Deployment(
                        authority_id=pk,
                        watchlist=watchlist,
                        location_id=locations[pk],
                        name=f"Scale deployment {pk}",
                        planned_start=authorities[pk].valid_from,
                        planned_end=authorities[pk].valid_until,
                        status="completed",
                        silver_commander=silver,
                        run_id=f"scale-{pk}",
                        started_at=authorities[pk].valid_from,
                        ended_at=authorities[pk].valid_until,
                        frames_processed=rng.randint(50_000, 400_000),
                        faces_processed=rng.randint(1_000, 20_000),
                        alerts_raised=rng.randint(0, 20),
                        created_by=silver,
                        created_at=authorities[pk].valid_from - timedelta(days=1),
                    )
                    for pk, watchlist in zip(chunk, watchlists, strict=True)
                ]
            )


# ---------------------------------------------------------------------------------------------
# The load


@dataclass(frozen=True)
class PageGroup:
    name: str
    paths: tuple[str, ...]
    auth: str  # "session", "token" or "none"
    username: str = ""  # the demo officer whose session or token it uses


def page_groups(deployment_ids: list[int], application_ids: list[int]) -> list[PageGroup]:
    """What the clients ask for: staff pages (signed in as the officer who may see them), the
    API (a token), the public ledger files; detail pages of 20 records spread over the table.
    The transparency pages are added by ``reviews.scale.public_page_groups``."""
    pick_d = deployment_ids[:: max(1, len(deployment_ids) // 20)][:20] or [0]
    pick_a = application_ids[:: max(1, len(application_ids) // 20)][:20] or [0]
    return [
        PageGroup(
            "staff: applications",
            ("/", "/applications/", *(f"/applications/{pk}/" for pk in pick_a)),
            "session",
            "oversight",  # who reads every application (bulk rows carry no object permission)
        ),
        PageGroup(
            "staff: deployments",
            ("/deployments/", *(f"/deployments/{pk}/" for pk in pick_d)),
            "session",
            "silver",
        ),
        PageGroup("staff: oversight", ("/oversight/",), "session", "oversight"),
        PageGroup(
            "API",
            (
                "/api/v1/applications/",
                *(f"/api/v1/applications/{pk}/" for pk in pick_a),
            ),
            "token",
            "oversight",
        ),
        PageGroup(
            "API: deployments",
            ("/api/v1/deployments/", *(f"/api/v1/deployments/{pk}/" for pk in pick_d)),
            "token",
            "silver",
        ),
        PageGroup(
            "public site",
            ("/transparency/ledger-key.pem", "/transparency/ledger-checkpoint.json"),
            "none",
        ),
    ]


def credentials_for(groups: list[PageGroup]) -> dict[str, dict[str, str]]:
    """Per group's officer: a server-side session (the cookie the sign-in form would set) and
    an API token, made in the database the server reads."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from authority.models import User

    out: dict[str, dict[str, str]] = {}
    for username in sorted({g.username for g in groups if g.username}):
        user = User.objects.get(username=username)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out[username] = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
            "Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}",
        }
    return out


@dataclass
class LoadFigures:
    seconds: float
    clients: int
    by_group: dict[str, list[float]]
    errors: dict[str, dict[str, int]]


def run_load(
    *,
    base_url: str,
    groups: list[PageGroup],
    credentials: dict[str, dict[str, str]],
    clients: int,
    seconds: float,
) -> LoadFigures:
    """``clients`` threads, each with its own keep-alive connection, for ``seconds``."""
    import requests

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def headers(group: PageGroup) -> dict[str, str]:
        if group.auth == "session":
            return {"Cookie": credentials[group.username]["Cookie"]}
        if group.auth == "token":
            return {"Authorization": credentials[group.username]["Authorization"]}
        return {}

    def client(n: int) -> None:
        rng = random.Random(n)  # noqa: S311 (which page next)
        session = requests.Session()
        while time.monotonic() < deadline:
            group = groups[rng.randrange(len(groups))]
            path = rng.choice(group.paths)
            started = time.perf_counter()
            try:
                answer = session.get(
                    base_url + path, headers=headers(group), timeout=30, allow_redirects=False
                )
                code = str(answer.status_code)
                ok = 200 <= answer.status_code < 300
            except requests.RequestException as error:
                code, ok = type(error).__name__, False
            elapsed = time.perf_counter() - started
            with lock:
                latencies[group.name].append(elapsed)
                if not ok:
                    errors[group.name][f"{code} {path}"] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadFigures(time.perf_counter() - started, clients, dict(latencies), errors)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between ranks, as the deployment benchmark's figures are taken."""
    return float(np.percentile(values, q))


def summary_lines(figures: LoadFigures) -> list[str]:
    lines = [f"{figures.clients} clients for {figures.seconds:.0f} s (closed loop, no think time)"]
    total = sum(len(v) for v in figures.by_group.values())
    lines.append(f"all: {total:,} requests, {total / figures.seconds:.1f}/s")
    for name, values in sorted(figures.by_group.items()):
        ms = [v * 1000 for v in values]
        failed = sum(figures.errors.get(name, {}).values())
        lines.append(
            f"{name}: {len(ms):,} requests, {len(ms) / figures.seconds:.1f}/s; "
            f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
            f"p99 {percentile(ms, 99):.0f} ms, mean {statistics.fmean(ms):.0f} ms; "
            f"{failed} errors"
        )
        for what, count in sorted(figures.errors.get(name, {}).items())[:5]:
            lines.append(f"    {count} x {what}")
    return lines
