"""What the gate adds to every engine call, measured in a throwaway database.

``measure_gate_overhead`` builds a live LFR authority through the real services (draft,
submit, Chief Officer consulted, authorised), a signed-off watchlist of synthetic templates and
a minted scope, then times the gate's own code path with pre-computed vectors, so detection
and embedding are left out:

* ``check_scope`` alone (the database re-check every call makes);
* an admitted call with no face (an empty frame): check, lock and re-check, ``engine.search_run``
  written and committed — the gate and ledger overhead;
* the same with one face that matches nothing (most frames of a deployment);
* the same with one face that matches a listed template, whose candidate is written as
  ``engine.candidates_found`` in the same transaction;
* a refused call (a location outside the authority), whose refusal is ledgered.

``run_gate_benchmark`` does it in a database created for the run and destroyed after it, on
the configured engine (a temporary SQLite file, or a new PostgreSQL database): the configured
database is never touched.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import numpy as np
from django.contrib.auth.models import Group
from django.db import connections
from django.test.utils import override_settings
from django.utils import timezone

from authority import builders
from authority.models import AccountKind, Application, Rank, User
from biometric_engine import indexes
from biometric_engine.core.bench import synthetic_vectors
from biometric_engine.core.embed import EMBEDDING_DIM
from biometric_engine.core.identification import IdentificationSearches, equitability_report
from biometric_engine.engine import default_model_version
from biometric_engine.galleries import create_gallery, seal_gallery
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from biometric_engine.services import record_equitability_report
from common.roles import Role
from gate.checks import EngineRefused, admit, check_scope
from gate.galleries import bind_watchlist_gallery
from gate.minting import mint_scope
from gate.scope import AuthorityScope
from gate.search import search_admitted
from oversight.dbroles import as_owner
from oversight.ledger import ledger_head

TARGET_MS = 2.0  # the gate and its ledger events, per admitted call
ADMITTED = ("admitted_no_face", "admitted_no_match", "admitted_match")
UNAUTHORISED_LOCATION = 2**31 - 1


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Point the default connection at a new, migrated database; drop it afterwards.

    Django's own test-database machinery does the work (create, migrate, destroy), under a
    unique name so nothing configured, and no test run beside it, is ever touched.
    """
    connection = connections["default"]
    old_name = connection.settings_dict["NAME"]
    old_test = dict(connection.settings_dict.get("TEST") or {})
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="wa-engine-benchmark-")
        name = os.path.join(folder, "engine.sqlite3")
    else:
        name = f"wa_engine_benchmark_{os.getpid()}_{os.urandom(3).hex()}"
    connection.close()
    connection.settings_dict["TEST"] = {**old_test, "NAME": name}
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield name
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        connection.settings_dict["TEST"] = old_test
        connection.settings_dict["NAME"] = old_name
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _timings(function: Callable[[], object], calls: int, warm_up: int = 3) -> dict[str, float]:
    for _ in range(warm_up):
        function()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append(1000.0 * (time.perf_counter() - start))
    return {
        "median_ms": float(np.median(times)),
        "mean_ms": float(np.mean(times)),
        "p95_ms": float(np.percentile(times, 95)),
        "calls": calls,
    }


def _user(username: str, role: Role, *, rank: Rank | None, kind=AccountKind.OFFICER) -> User:
    user = User.objects.create(
        username=username,
        first_name="Bench",
        last_name=username.title(),
        kind=kind,
        rank=rank,
        warrant_number=f"BM-{username}" if rank is not None else "",
        command_unit="Benchmark",
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.set(Group.objects.filter(name=role.value))
    return user


def _live_authority() -> tuple[Application, dict[str, User]]:
    """An LFR authority whose window is open now, through the authority services."""
    people = {
        "applicant": _user("applicant", Role.APPLICANT, rank=Rank.INSPECTOR),
        "superintendent": _user("supt", Role.AUTHORISING_OFFICER, rank=Rank.SUPERINTENDENT),
        "gold": _user("gold", Role.AUTHORISING_OFFICER, rank=Rank.CHIEF_SUPERINTENDENT),
        "silver": _user("silver", Role.SILVER_COMMANDER, rank=Rank.CHIEF_INSPECTOR),
        "bronze": _user("bronze", Role.ENGAGEMENT_OFFICER, rank=Rank.INSPECTOR),
        "chief": _user("chief", Role.CHIEF_OFFICER, rank=Rank.COMMANDER),
        "operator": _user("operator", Role.LFR_OPERATOR, rank=None, kind=AccountKind.STAFF),
    }
    now = timezone.now()
    application = builders.build_authorised(
        applicant=people["applicant"],
        decider=people["superintendent"],
        chief=people["chief"],
        commanders={
            "gold_commander": people["gold"],
            "silver_commander": people["silver"],
            "bronze_commander": people["bronze"],
        },
        operation_name="Operation Benchmark",
        intelligence_case="Benchmark data, no real case.",
        requested_categories=["wanted_by_courts"],
        max_watchlist_size=10_000,
        start_at=now - timedelta(minutes=10),
        end_at=now + timedelta(hours=6),
        locations=builders.LOCATIONS[:1],
        reasons="Benchmark authority.",
    )
    return application, people


def _signed_off_watchlist(
    application: Application, signer: User, entries: int
) -> tuple[Gallery, np.ndarray]:
    # The gate's own view of a signed-off list (bound, sealed); the watchlist app sits above
    # the gate, so its services are not used here. Templates are synthetic vectors, never faces.
    gallery = create_gallery(
        name="Benchmark watchlist",
        kind=GalleryKind.WATCHLIST,
        model_version=default_model_version(),
    )
    bind_watchlist_gallery(application=application, gallery=gallery)
    vectors = synthetic_vectors(entries, np.random.default_rng(0))
    EnrolledFace.objects.bulk_create(
        [
            EnrolledFace(
                gallery=gallery, subject_ref=f"BENCH-{n}", template=v.tobytes(), quality=1.0
            )
            for n, v in enumerate(vectors)
        ],
        batch_size=1000,
    )
    Gallery.objects.filter(pk=gallery.pk).update(revision=entries)
    gallery = seal_gallery(gallery=gallery, until=application.valid_until, now=timezone.now())
    indexes.forget(gallery.pk)  # a cached index of another database's gallery with this id
    return gallery, vectors


def _recorded_equitability_report() -> None:
    """The gate refuses a model without a report: record one from synthetic scores, two
    arbitrary groups treated alike, so the floor check runs as it does in use."""
    rng = np.random.default_rng(2)
    mated = [f"m{n}" for n in range(200)]
    non_mated = [f"n{n}" for n in range(400)]
    searches = IdentificationSearches(
        watchlist_size=200,
        mated_identities=mated,
        mated_scores=rng.uniform(0.7, 0.95, 200),
        mated_ranks=np.ones(200, dtype=int),
        non_mated_identities=non_mated,
        non_mated_top_scores=rng.uniform(0.1, 0.55, 400),
    )
    groups = {identity: "AB"[n % 2] for n, identity in enumerate(mated + non_mated)}
    report = equitability_report(
        searches, [0.5, 0.6, 0.64], model=default_model_version(), groups=groups
    )
    record_equitability_report(report=report, dataset="benchmark: synthetic scores")


def measure_gate_overhead(*, calls: int = 1000, watchlist_size: int = 1000) -> dict:
    """Time the gate on the current default database (see the module's docstring).

    Call it outside any transaction: admitted calls commit their ledger events, as in use.
    """
    application, people = _live_authority()
    _recorded_equitability_report()
    operator = people["operator"]
    gallery, listed = _signed_off_watchlist(application, people["superintendent"], watchlist_size)
    scope: AuthorityScope = mint_scope(application=application, by=operator, gallery=gallery)
    location = scope.location_ids[0]
    no_face = np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    unlisted = synthetic_vectors(1, np.random.default_rng(1))

    def check() -> None:
        check_scope(
            scope,
            mode="lfr",
            gallery_id=gallery.pk,
            location_id=location,
            threshold=None,
            now=timezone.now(),
            holder_id=scope.issued_to,
        )

    def admitted(vectors: np.ndarray) -> Callable[[], None]:
        # The gate's own path behind search_frame, from the point the frame's faces are
        # embedded: admit, then lock, re-check, ledger, search, ledger, commit.
        def call() -> None:
            admission = admit(
                scope,
                by=operator,
                mode="lfr",
                gallery_id=gallery.pk,
                location_id=location,
                threshold=None,
                engine_model=scope.model_version,
            )
            search_admitted(
                admission,
                scope,
                by=operator,
                vectors=vectors,
                location_id=location,
                max_candidates=1,
            )

        return call

    def refused() -> None:
        try:
            admit(
                scope,
                by=operator,
                mode="lfr",
                gallery_id=gallery.pk,
                location_id=UNAUTHORISED_LOCATION,
                threshold=None,
                engine_model=scope.model_version,
            )
        except EngineRefused:
            return
        raise AssertionError("the benchmark's refused call was admitted")

    before = ledger_head()[0]
    result = {
        "vendor": connections["default"].vendor,
        "watchlist_entries": watchlist_size,
        "check_scope": _timings(check, calls),
        "admitted_no_face": _timings(admitted(no_face), calls),
        "admitted_no_match": _timings(admitted(unlisted), calls),
        "admitted_match": _timings(admitted(listed[:1]), calls),
        "refused": _timings(refused, calls),
    }
    result["ledger_events_written"] = ledger_head()[0] - before
    result["target"] = f"gate + ledger under {TARGET_MS:g} ms per admitted call (median)"
    result["target_met"] = all(result[name]["median_ms"] < TARGET_MS for name in ADMITTED)
    return result


def run_gate_benchmark(*, calls: int = 1000, watchlist_size: int = 1000) -> dict:
    """``measure_gate_overhead`` in a throwaway database on the configured engine."""
    vendor = connections["default"].vendor
    # Timed as production runs: DEBUG's per-query log (the local settings' default) is off.
    # as_owner: the application's PostgreSQL role may not create the throwaway database.
    with as_owner(), throwaway_database(), override_settings(DEBUG=False):
        result = measure_gate_overhead(calls=calls, watchlist_size=watchlist_size)
    result["database"] = f"throwaway {vendor} database (removed after the run)"
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    return result
