"""Settings are read from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG}))"
)
GOOD_SECRET = "x" * 64
GOOD_LEDGER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of bytes 0..31


def run_python(code: str, settings: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))
    }
    clean.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_manage(
    *args: str, settings_module: str = "config.settings.local", **env: str
) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))
    }
    clean.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def probe(settings: str = "config.settings.local", **env: str) -> dict:
    result = run_python(PROBE, settings, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_with_eager_tasks():
    config = probe()
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"].endswith("var/written-authority.sqlite3")
    assert config["eager"] is True and config["broker"] == ""


def test_database_url_switches_to_postgresql_without_code_change():
    config = probe(DATABASE_URL="postgres://wa@127.0.0.1:5432/written_authority")
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["name"] == "written_authority"


def test_broker_url_switches_celery_to_a_real_broker():
    config = probe(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert config["eager"] is False and config["broker"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG must be off in production"),
        ({"DJANGO_ALLOWED_HOSTS": "wa.example.police.uk"}, "DJANGO_SECRET_KEY must be set"),
        (
            {
                "DJANGO_SECRET_KEY": "insecure-development-key-do-not-use-in-production",
                "DJANGO_ALLOWED_HOSTS": "wa.example.police.uk",
            },
            "not the development default",
        ),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET}, "DJANGO_ALLOWED_HOSTS must list"),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET, "DJANGO_ALLOWED_HOSTS": "*"}, "and not '*'"),
        (
            {
                "DJANGO_SECRET_KEY": GOOD_SECRET,
                "DJANGO_ALLOWED_HOSTS": "wa.example.police.uk",
                "WA_LEDGER_SIGNING_KEY": GOOD_LEDGER_KEY,
            },
            "WA_CACHE_URL must name a cache every process shares",
        ),
    ],
)
def test_production_refuses_unsafe_values(env, message):
    result = run_python("import django; django.setup()", "config.settings.production", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_safe_values():
    config = probe(
        "config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="wa.example.police.uk",
        WA_CACHE_URL="redis://127.0.0.1:6379/14",
        WA_LEDGER_SIGNING_KEY=GOOD_LEDGER_KEY,
    )
    assert config["debug"] is False


OWNER_PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "o = s.DATABASE_OWNER; print(json.dumps({'app': s.DATABASES['default']['USER'], "
    "'owner': o and o['USER'], 'name': o and o['NAME'], "
    "'restricted': s.LEDGER_REQUIRE_RESTRICTED_ROLE}))"
)


def test_the_embedded_default_has_no_owner_url_and_no_role_guard():
    result = run_python(OWNER_PROBE, "config.settings.local")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "app": "",
        "owner": None,
        "name": None,
        "restricted": False,
    }


def test_the_owner_url_names_the_owner_of_the_same_database():
    result = run_python(
        OWNER_PROBE,
        "config.settings.local",
        DATABASE_URL="postgres://wa_app:secret@pooler:6432/written_authority",
        DATABASE_OWNER_URL="postgres://wa_owner@127.0.0.1:5432/written_authority",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "app": "wa_app",
        "owner": "wa_owner",
        "name": "written_authority",
        "restricted": False,
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_OWNER_URL": "postgres://wa_owner@127.0.0.1/wa"},
            "DATABASE_OWNER_URL is for PostgreSQL only",
        ),
        (
            {
                "DATABASE_URL": "postgres://wa_app@127.0.0.1/wa",
                "DATABASE_OWNER_URL": "postgres://wa_owner@127.0.0.1/other",
            },
            "both must name the same database",
        ),
        (
            {
                "DATABASE_URL": "postgres://postgres@127.0.0.1/wa",
                "DATABASE_OWNER_URL": "postgres://postgres@127.0.0.1/wa",
            },
            "DATABASE_URL connects as the owner named in DATABASE_OWNER_URL",
        ),
    ],
    ids=["sqlite", "other-database", "same-role"],
)
def test_an_owner_url_that_cannot_be_right_is_refused(env, message):
    result = run_manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: configuration error: ")
    assert message in lines[0]


def test_production_guards_the_database_role_by_default():
    result = run_python(
        OWNER_PROBE,
        "config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="wa.example.police.uk",
        WA_CACHE_URL="redis://127.0.0.1:6379/14",
        WA_LEDGER_SIGNING_KEY=GOOD_LEDGER_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["restricted"] is True


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@127.0.0.1/wa", "only SQLite and PostgreSQL are supported"),
        ("nonsense", "is not a database URL"),
        ("postgres://nobody@127.0.0.1:1/none", "cannot use the database named by DATABASE_URL"),
    ],
)
def test_wrong_database_url_gives_one_clear_line(url, fragment):
    result = run_manage("migrate", "--check", DATABASE_URL=url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0]


def test_unreachable_broker_gives_one_clear_line(tmp_path):
    result = run_manage(
        "check_services",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot reach the Celery broker named by CELERY_BROKER_URL" in lines[0]


SECURITY_PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'session': s.SESSION_COOKIE_AGE, 'token_hours': s.WA_API_TOKEN_HOURS, "
    "'cache': s.CACHES['default']['BACKEND'], 'per_account': s.WA_LOGIN_MAX_FAILURES, "
    "'per_address': s.WA_LOGIN_MAX_FAILURES_PER_ADDRESS, "
    "'window': s.WA_LOGIN_FAILURE_WINDOW_MINUTES, 'lockout': s.WA_LOGIN_LOCKOUT_MINUTES}))"
)


def security_probe(**env: str) -> dict:
    result = run_python(SECURITY_PROBE, "config.settings.local", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sessions_tokens_and_sign_in_limits_default_to_a_working_day():
    config = security_probe()
    assert config["session"] == 9 * 3600 and config["token_hours"] == 9
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert (config["per_account"], config["per_address"]) == (5, 20)
    assert (config["window"], config["lockout"]) == (15, 15)


def test_sessions_tokens_and_sign_in_limits_are_read_from_the_environment():
    config = security_probe(
        WA_SESSION_HOURS="2",
        WA_API_TOKEN_HOURS="1",
        WA_CACHE_URL="redis://127.0.0.1:6379/3",
        WA_LOGIN_MAX_FAILURES="3",
        WA_LOGIN_MAX_FAILURES_PER_ADDRESS="50",
        WA_LOGIN_FAILURE_WINDOW_MINUTES="10",
        WA_LOGIN_LOCKOUT_MINUTES="30",
    )
    assert config["session"] == 2 * 3600 and config["token_hours"] == 1
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert (config["per_account"], config["per_address"]) == (3, 50)
    assert (config["window"], config["lockout"]) == (10, 30)


@pytest.mark.django_db
def test_collectstatic_with_the_production_storage_then_the_login_page_renders(tmp_path, client):
    """Production's manifest storage follows every url() and sourceMappingURL in the CSS and JS
    it collects and stops on one naming a missing file; without its manifest every page that
    links a stylesheet, the login page first, is a 500."""
    from django.core.management import call_command
    from django.test import override_settings

    # Production's storage is WhiteNoise's CompressedManifestStaticFilesStorage: this one, plus
    # compression (40 s more here; .ci/run's smoke test runs the real one).
    manifest_storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path / "static", STORAGES=manifest_storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        response = client.get("/accounts/login/")
    assert response.status_code == 200
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "vendor/govuk/govuk-frontend.min.css" in manifest["paths"]
    assert b"vendor/govuk/govuk-frontend.min." in response.content
    assert b"vendor/govuk/govuk-frontend.min.css" not in response.content  # the hashed name
