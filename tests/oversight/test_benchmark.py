"""benchmark_ledger runs in a throwaway database (on the configured engine) and removes it."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.conftest import REPO_ROOT


@pytest.mark.django_db
def test_the_benchmark_reports_rates_in_a_throwaway_database(tmp_path):
    out = tmp_path / "benchmark.json"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "benchmark_ledger",
            "--entries",
            "2500",
            "--record-event-sample",
            "5",
            "--json",
            str(out),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # The first entry, the 1,000th and the 2,000th, as record_event signs them.
    assert "verify: 2,500 entries and 3 checkpoints" in result.stdout
    report = json.loads(out.read_text())
    assert report["verify"]["ok"] and report["vendor"] == connection.vendor
    assert report["bulk_append"]["entries_per_second"] > 0
    assert report["record_event"]["events"] == 5
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'wa_ledger_benchmark_%%'"
            )
            assert cursor.fetchone()[0] == 0
    else:
        assert not (tmp_path / "configured.sqlite3").exists() or (
            (tmp_path / "configured.sqlite3").stat().st_size == 0
        )
