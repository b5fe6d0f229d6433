import os
from pathlib import Path

import pytest

# Authority fixtures (applicants, deciders, applications in each state) serve every app's tests.
pytest_plugins = ["tests.authority.fixtures", "tests.gate.fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


def pytest_collection_modifyitems(config, items):
    """Integration tests need PostgreSQL and a real worker; .ci/run sets WA_INTEGRATION=1."""
    if os.environ.get("WA_INTEGRATION") == "1":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL, Redis and a Celery worker: run .ci/run")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


# The application's credentials while the owner's are in use (.ci/run sets DATABASE_OWNER_URL).
APP_CREDENTIALS: dict = {}


def _use(credentials: dict) -> None:
    from django.db import connections

    from oversight.dbroles import use_credentials

    connection = connections["default"]
    connection.close()
    use_credentials(connection, credentials)


def _owner():
    from django.conf import settings

    return getattr(settings, "DATABASE_OWNER", None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """With DATABASE_OWNER_URL, pytest-django creates and migrates the test database as the
    owner, as a deployment migrates; django_db_setup then hands it to the application's role."""
    if _owner() is not None:
        from django.db import connections

        from oversight.dbroles import CREDENTIAL_KEYS

        settings_dict = connections["default"].settings_dict
        APP_CREDENTIALS.update({key: settings_dict.get(key) for key in CREDENTIAL_KEYS})
        _use(_owner())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Grant the application's role on the test database, then run every test as that role:
    SELECT and INSERT only on the ledger, no ownership (oversight.dbroles)."""
    if not APP_CREDENTIALS:
        yield
        return
    from oversight.dbroles import grant_app_role

    with django_db_blocker.unblock():
        grant_app_role(role=APP_CREDENTIALS["USER"], password=APP_CREDENTIALS["PASSWORD"] or None)
    _use(APP_CREDENTIALS)
    yield
    _use(_owner())  # the owner drops the test database


def _runs_as_owner(item) -> bool:
    """Tests that tamper with the ledger, or prove its triggers, play someone holding the
    owner's role: the application's role cannot even try (tests/oversight/test_app_role.py)."""
    wanted = {"tamper", "as_ledger_owner"}
    return bool(APP_CREDENTIALS) and bool(wanted & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _runs_as_owner(item):
        _use(_owner())  # before the test's transaction opens


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if _runs_as_owner(item):
        _use(APP_CREDENTIALS)  # after it rolled back


@pytest.fixture
def as_ledger_owner():
    """Run this test as the database owner where roles are separated (see _runs_as_owner)."""


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in failure counts and lockouts live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_gallery_indexes():
    """The process's gallery indexes are keyed by gallery id, and SQLite gives a rolled-back
    id again: no test may search another's index."""
    from biometric_engine import indexes

    indexes.forget_all()
    yield


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Each test stores files in a folder of its own, so one test's files never satisfy (or
    break) another's check that nothing was left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def full_disk(tmp_path, settings):
    """MEDIA_ROOT on a real filesystem that is full: a 256 KiB tmpfs filled to the last byte,
    so a write fails as it does on a full disk (ENOSPC). Needs root to mount (as .ci/run
    has); skipped elsewhere."""
    import os
    import shutil
    import subprocess

    mount = tmp_path / "full-disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a full filesystem needs root (.ci/run runs as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"\0" * 4096):
                pass
        except OSError:
            pass  # full
        finally:
            os.close(filler)
        # The media folder exists (making it needs no data blocks on tmpfs).
        (mount / "media").mkdir()
        settings.MEDIA_ROOT = str(mount / "media")
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
