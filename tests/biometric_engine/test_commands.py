"""The engine's commands: evaluate_engine wraps the core's LFW evaluation with the configured
backend; benchmark_engine times the gate through its real code path, in a throwaway database,
and times faces on the LFW sample beside the repository unless told other images."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from biometric_engine.core.bench import MIN_FIT_VECTORS, NO_IMAGES_LINE
from biometric_engine.engine import engine_backend
from biometric_engine.management.commands.evaluate_engine import JSON_KEYS
from gate.benchmark import ADMITTED, measure_gate_overhead
from gate.management.commands import benchmark_engine
from oversight.models import LedgerEntry
from tests.biometric_engine.conftest import LFW_DIR
from tests.conftest import REPO_ROOT

GENUINE, IMPOSTOR = 5, 5


def small_pairs_file(lfw_dir, path):
    """One fold of the sample's first five genuine and first five impostor pairs."""
    lines = (lfw_dir / "pairs.txt").read_text().splitlines()
    per_half = int(lines[0].split()[1])
    body = lines[1 : 1 + GENUINE] + lines[1 + per_half : 1 + per_half + IMPOSTOR]
    path.write_text(f"1\t{GENUINE}\n" + "\n".join(body) + "\n")
    return path


@pytest.mark.images
def test_evaluate_engine_prints_and_writes_exactly_the_lfw_figures(lfw_dir, tmp_path):
    pairs = small_pairs_file(lfw_dir, tmp_path / "pairs.txt")
    out, cache = tmp_path / "result.json", tmp_path / "embeddings.npz"
    printed, progress = io.StringIO(), io.StringIO()
    call_command(
        "evaluate_engine",
        pairs=pairs,
        images=lfw_dir,
        json_out=out,
        cache=cache,
        stdout=printed,
        stderr=progress,
    )
    # A long run is never silent: images embedded, elapsed and left, on stderr; the time per
    # image on stdout.
    assert re.search(
        r"embedded \d+ of \d+ images, \d+ s elapsed, about \d+ s left", progress.getvalue()
    )
    assert "ms per image (detect + embed" in printed.getvalue()

    result = json.loads(out.read_text())
    assert tuple(result) == JSON_KEYS
    assert result["pairs"] == GENUINE + IMPOSTOR and result["faces_not_found"] == 0
    assert result["model"] == engine_backend().model_version
    assert 0 <= result["accuracy"] <= 100 and 0 <= result["tar_at_far_0.001"] <= 100
    assert -1 <= result["threshold"] <= 1
    text = printed.getvalue()
    for line in ("LFW verification, 10 pairs", "accuracy", "TAR at FAR 0.1 %", "threshold"):
        assert line in text
    assert cache.is_file(), "the embeddings are cached for the next run"

    # A second run reads every vector from the cache and gives the same figures.
    again = tmp_path / "again.json"
    call_command("evaluate_engine", pairs=pairs, images=lfw_dir, json_out=again, cache=cache)
    assert json.loads(again.read_text()) == result


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pairs": "missing.txt", "images": "."}, "--pairs missing.txt: no such file"),
        ({"pairs": "pairs.txt", "images": "no-folder"}, "--images no-folder: no such folder"),
        (
            {"pairs": "pairs.txt", "images": ".", "json_out": "no/out.json"},
            "--json no/out.json: the folder no does not exist",
        ),
        ({"pairs": "pairs.txt", "images": ".", "cache": "."}, "--cache .: not a file"),
        ({"pairs": "pairs.txt", "images": ".", "cache": "bad.npz"}, "not an embedding cache"),
        ({"pairs": "bad-pairs.txt", "images": "."}, "expected 10 pairs, found 1"),
    ],
)
def test_evaluate_engine_refuses_bad_paths_with_one_clear_line(
    tmp_path, monkeypatch, options, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pairs.txt").write_text("1\t5\n")
    (tmp_path / "bad-pairs.txt").write_text("1\t5\nAbel_Pacheco\t1\t4\n")
    (tmp_path / "bad.npz").write_bytes(b"not a numpy archive")
    with pytest.raises(CommandError) as error:
        call_command("evaluate_engine", **{k: Path(v) for k, v in options.items()})
    assert message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.django_db(transaction=True)
def test_the_gate_overhead_is_measured_through_the_real_gate_and_ledger():
    before = LedgerEntry.objects.count()
    result = measure_gate_overhead(calls=3, watchlist_size=5)

    for name in ("check_scope", *ADMITTED, "refused"):
        timing = result[name]
        assert timing["calls"] == 3
        assert all(timing[key] > 0 for key in ("median_ms", "mean_ms", "p95_ms"))
    assert result["watchlist_entries"] == 5 and result["vendor"] == connection.vendor
    assert isinstance(result["target_met"], bool)
    # Three warm-up calls and three timed of each: one event per admitted call, a second when
    # a listed face matched, one per refusal.
    assert result["ledger_events_written"] == 3 * 6 + 6 + 6
    actions = list(LedgerEntry.objects.order_by("seq")[before:].values_list("action", flat=True))
    assert actions.count("engine.search_run") == 18
    assert actions.count("engine.candidates_found") == 6
    assert actions.count("engine.search_refused") == 6
    assert "scope.issued" in actions and "application.authorised" in actions


@pytest.mark.django_db
def test_benchmark_engine_runs_in_a_throwaway_database_never_the_configured_one(tmp_path):
    out = tmp_path / "benchmark.json"
    configured = tmp_path / "configured.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{configured}"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    command = [sys.executable, "manage.py", "benchmark_engine", "--skip-gallery"]
    command += ["--watchlist-size", "50", "--queries", "3", "--gate-calls", "2"]
    command += ["--gate-watchlist", "3", "--json", str(out)]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "check_scope alone" in result.stdout and "watchlist 50 exact" in result.stdout
    report = json.loads(out.read_text())
    assert report["gate"]["database"].startswith(f"throwaway {connection.vendor} database")
    assert report["gate"]["admitted_no_face"]["median_ms"] > 0
    assert report["engine"]["watchlist"]["entries"] == 50 and report["engine"]["gallery"] == {}
    assert "face_like_fit" not in report["engine"], "--skip-gallery fits nothing"
    # With no --images the face timings use the LFW sample beside the repository, if there.
    if (LFW_DIR / "pairs.txt").is_file():
        faces = report["engine"]["faces"]
        # The same folder however it is reached: ../shared may be a symbolic link.
        assert Path(faces["images"]).resolve() == LFW_DIR.resolve()
        assert faces["images_default"] is True
        assert faces["detect_ms_250x250"] > 0 and faces["detect_ms_1280x720"] > 0
        assert faces["embed_ms_per_face"] > 0
        assert "ms per 250x250 image" in result.stdout and "ms/face" in result.stdout
        assert NO_IMAGES_LINE not in result.stdout
    else:
        assert "faces" not in report["engine"]
        assert result.stdout.count(NO_IMAGES_LINE) == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'wa_engine_benchmark_%%'"
            )
            assert cursor.fetchone()[0] == 0
    else:
        assert not configured.exists() or configured.stat().st_size == 0


def fake_gate_benchmark(*, calls, watchlist_size):
    timing = {"median_ms": 1.0, "mean_ms": 1.0, "p95_ms": 1.0, "calls": calls}
    names = ("check_scope", *ADMITTED, "refused")
    return dict.fromkeys(names, timing) | {
        "database": "no database (the gate is timed by the test above)",
        "watchlist_entries": watchlist_size,
        "target_met": True,
    }


def test_benchmark_engine_without_images_says_in_one_line_what_face_timings_need(monkeypatch):
    monkeypatch.setattr(benchmark_engine, "default_images_dir", lambda: None)
    monkeypatch.setattr(benchmark_engine, "run_gate_benchmark", fake_gate_benchmark)
    printed = io.StringIO()
    call_command(
        "benchmark_engine", skip_gallery=True, watchlist_size=20, queries=2, stdout=printed
    )
    text = printed.getvalue()
    assert text.count(NO_IMAGES_LINE) == 1 and "need --images DIR" in NO_IMAGES_LINE
    assert "ms per 250x250 image" not in text and "watchlist 20 exact" in text


def test_the_default_images_are_the_lfw_sample_beside_the_repository(tmp_path, settings):
    settings.BASE_DIR = tmp_path / "repository"
    assert benchmark_engine.default_images_dir() is None  # nothing beside it
    sample = tmp_path / "shared" / "datasets" / "lfw-fold1"
    sample.mkdir(parents=True)
    assert benchmark_engine.default_images_dir() is None  # a folder without identities
    (sample / "Zico").mkdir()
    (sample / "Zico" / "Zico_0001.jpg").write_bytes(b"")
    assert benchmark_engine.default_images_dir() == sample


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"images": "empty"}, "--images empty: no Name/*.jpg identity folders"),
        (
            {"images": "people", "face_sample": 10},
            f"--face-sample must be at least {MIN_FIT_VECTORS}",
        ),
        ({"face_stats": "missing.npz"}, "--face-stats missing.npz: no such file"),
    ],
)
def test_benchmark_engine_refuses_bad_inputs_before_any_work(
    tmp_path, monkeypatch, options, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "people" / "Zico").mkdir(parents=True)
    (tmp_path / "people" / "Zico" / "Zico_0001.jpg").write_bytes(b"")
    monkeypatch.setattr(benchmark_engine, "run_gate_benchmark", None)  # never reached
    with pytest.raises(CommandError) as error:
        call_command(
            "benchmark_engine",
            **{k: Path(v) if isinstance(v, str) else v for k, v in options.items()},
        )
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_missing_model_pack_ends_the_command_with_one_line(tmp_path, settings):
    settings.WA_MODEL_PACK_DIR = str(tmp_path / "no-pack")
    (tmp_path / "pairs.txt").write_text("1\t5\n")
    with pytest.raises(CommandError, match="WA_MODEL_PACK_DIR") as error:
        call_command("evaluate_engine", pairs=tmp_path / "pairs.txt", images=tmp_path)
    assert "\n" not in str(error.value)
