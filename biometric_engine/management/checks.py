"""Checks the engine's commands share: a bad path or a misconfigured backend ends the command
with one line, before any long work starts."""

import json
import os
import time
import zipfile
from pathlib import Path

from django.core.management.base import CommandError

from biometric_engine.core.backends import FaceBackend, InsightFaceBackend
from biometric_engine.core.embedding_cache import EmbeddingCache
from biometric_engine.core.errors import EngineConfigurationError
from biometric_engine.engine import engine_backend


def configured_backend() -> FaceBackend:
    """The backend the settings name (WA_MODEL_PACK_DIR), or one line saying what to fix."""
    try:
        backend = engine_backend()
        if isinstance(backend, InsightFaceBackend):
            backend.load()  # a pack without a detector or a recogniser fails here, in one line
        return backend
    except EngineConfigurationError as error:
        raise CommandError(f"WA_MODEL_PACK_DIR: {error}") from None


def require_file(path: Path, option: str) -> None:
    if not path.is_file():
        raise CommandError(f"{option} {path}: no such file")
    if not os.access(path, os.R_OK):
        raise CommandError(f"{option} {path}: not readable")


def require_dir(path: Path, option: str) -> None:
    if not path.is_dir():
        raise CommandError(f"{option} {path}: no such folder")


def open_cache(path: Path | None, model_version: str) -> EmbeddingCache:
    """The embedding cache at ``path`` (created on first use), or an in-memory one."""
    if path is None:
        return EmbeddingCache(model_version)
    if path.exists() and not path.is_file():
        raise CommandError(f"--cache {path}: not a file")
    if not path.exists() and not path.parent.is_dir():
        raise CommandError(f"--cache {path}: the folder {path.parent} does not exist")
    try:
        return EmbeddingCache.open(path, model_version)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise CommandError(f"--cache {path}: not an embedding cache ({error})") from None


def require_output(path: Path | None, option: str) -> None:
    """Checked before the work starts, so a typo does not cost a long run its result."""
    if path is None:
        return
    if path.is_dir():
        raise CommandError(f"{option} {path}: is a folder; name a file")
    if not path.parent.is_dir():
        raise CommandError(f"{option} {path}: the folder {path.parent} does not exist")


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


class ProgressLine:
    """Prints ``embedded n of N images, elapsed, about M left`` to a command's stderr at most
    every ``every`` seconds and once at the end, so a long run is never silent."""

    def __init__(self, write, *, every: float = 10.0) -> None:
        self.write, self.every, self._last = write, every, None
        self.done, self.elapsed = 0, 0.0

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        self.done, self.elapsed = done, elapsed
        now = time.monotonic()
        if done < total and self._last is not None and now - self._last < self.every:
            return
        self._last = now
        left = elapsed / done * (total - done) if done else 0.0
        self.write(
            f"embedded {done} of {total} images, {_clock(elapsed)} elapsed, "
            f"about {_clock(left)} left"
        )


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
