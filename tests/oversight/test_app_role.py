"""The application's PostgreSQL role can append to the ledger and read it, and nothing else:
not UPDATE, DELETE or TRUNCATE it, not disable its triggers, not alter or drop its tables. The
owner migrates (DATABASE_OWNER_URL); grant_app_role sets the role up, idempotently.

The integration tests run in .ci/run, where the whole suite connects as that role."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from oversight.checkpoints import create_checkpoint
from oversight.dbroles import role_problems, scram_sha256_verifier
from oversight.models import LedgerCheckpoint, LedgerEntry
from oversight.schema import CHECKPOINT_TABLE, ENTRY_TABLE
from tests.config.test_settings import GOOD_LEDGER_KEY, GOOD_SECRET, run_manage
from tests.conftest import APP_CREDENTIALS
from tests.factories import LedgerEventFactory

postgresql_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="database roles are PostgreSQL's",
)

# What someone holding the application's credentials might try, one statement each. {seq} and
# {id} are an existing entry and checkpoint.
REFUSED = [
    f"UPDATE {ENTRY_TABLE} SET payload = 'rewritten' WHERE seq = {{seq}}",
    f"DELETE FROM {ENTRY_TABLE} WHERE seq = {{seq}}",
    f"TRUNCATE {ENTRY_TABLE}",
    f"UPDATE {CHECKPOINT_TABLE} SET tree_size = 0 WHERE id = {{id}}",
    f"DELETE FROM {CHECKPOINT_TABLE} WHERE id = {{id}}",
    f"TRUNCATE {CHECKPOINT_TABLE}",
    f"ALTER TABLE {ENTRY_TABLE} DISABLE TRIGGER USER",
    f"ALTER TABLE {ENTRY_TABLE} DISABLE TRIGGER ALL",
    f"ALTER TABLE {CHECKPOINT_TABLE} DISABLE TRIGGER USER",
    f"DROP TRIGGER {ENTRY_TABLE}_no_update_or_delete ON {ENTRY_TABLE}",
    f"DROP TABLE {ENTRY_TABLE}",
    f"DROP TABLE {CHECKPOINT_TABLE}",
    f"ALTER TABLE {ENTRY_TABLE} RENAME TO old_ledger",
    "CREATE OR REPLACE FUNCTION oversight_ledger_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
    "SET session_replication_role = replica",  # would skip every trigger
]
REFUSAL = re.compile(r"permission denied|must be owner", re.IGNORECASE)


@pytest.fixture
def ledger_rows(db):
    entry = LedgerEventFactory()
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    return entry, checkpoint


@pytest.mark.integration
@postgresql_only
@pytest.mark.django_db
def test_the_suite_connects_as_a_restricted_role_not_the_owner():
    assert APP_CREDENTIALS, ".ci/run sets DATABASE_OWNER_URL and a DATABASE_URL of the app role"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, session_user, r.rolsuper, t.tableowner FROM pg_roles r, "
            "pg_tables t WHERE r.rolname = current_user AND t.tablename = %s",
            [ENTRY_TABLE],
        )
        current, session, superuser, owner = cursor.fetchone()
        assert current == session == APP_CREDENTIALS["USER"]  # logged in as it, not SET ROLE
        assert not superuser and owner != current
        assert role_problems(cursor) == []


@pytest.mark.integration
@postgresql_only
@pytest.mark.parametrize("statement", REFUSED, ids=lambda s: " ".join(s.split()[:4]))
def test_the_application_role_cannot_change_or_unprotect_the_ledger(ledger_rows, statement):
    entry, checkpoint = ledger_rows
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(statement.format(seq=entry.seq, id=checkpoint.pk))
    # Refused by the database's privileges, before any trigger could be asked.
    assert REFUSAL.search(str(refused.value)), refused.value
    assert "append-only" not in str(refused.value)
    assert LedgerEntry.objects.get(seq=entry.seq).entry_hash == entry.entry_hash
    assert LedgerCheckpoint.objects.filter(pk=checkpoint.pk).exists()


@pytest.mark.integration
@postgresql_only
def test_the_application_role_appends_and_verifies(ledger_rows):
    from oversight.verification import verify_database

    entry, checkpoint = ledger_rows
    assert checkpoint.tree_size == entry.seq
    assert verify_database().ok


def _url(credentials: dict, name: str) -> str:
    user = quote(credentials["USER"], safe="")
    password = f":{quote(credentials['PASSWORD'], safe='')}" if credentials.get("PASSWORD") else ""
    host = credentials.get("HOST") or "127.0.0.1"
    port = f":{credentials['PORT']}" if credentials.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


def _test_database_env(**extra) -> dict:
    """DATABASE_URL (the application) and DATABASE_OWNER_URL for the test database."""
    name = connection.settings_dict["NAME"]
    return {
        "DATABASE_URL": _url(APP_CREDENTIALS, name),
        "DATABASE_OWNER_URL": _url(settings.DATABASE_OWNER, name),
        **extra,
    }


@pytest.mark.integration
@postgresql_only
def test_grant_app_role_is_idempotent_and_migrate_runs_as_the_owner():
    """No database transaction is held here: the commands run in their own processes."""
    role = APP_CREDENTIALS["USER"]
    for _ in range(2):
        granted = run_manage("grant_app_role", **_test_database_env())
        assert granted.returncode == 0, granted.stderr
        assert f"role {role} updated in database" in granted.stdout
        assert "SELECT and INSERT only on the 2 ledger tables" in granted.stdout
    # As the application, migrate could not grant; as the owner it migrates and grants again.
    migrated = run_manage("migrate", "--noinput", **_test_database_env())
    assert migrated.returncode == 0, migrated.stderr
    assert f"role {role} updated in database" in migrated.stdout


@pytest.mark.integration
@postgresql_only
def test_grant_app_role_refuses_the_owner_itself():
    owner = settings.DATABASE_OWNER["USER"]
    refused = run_manage("grant_app_role", "--role", owner, **_test_database_env())
    assert refused.returncode == 1
    assert "app_role_is_owner" in refused.stderr and owner in refused.stderr


@pytest.mark.integration
@postgresql_only
def test_production_refuses_to_connect_as_a_role_that_could_rewrite_the_ledger():
    name = connection.settings_dict["NAME"]
    production = {
        "DJANGO_SECRET_KEY": GOOD_SECRET,
        "DJANGO_ALLOWED_HOSTS": "wa.example.police.uk",
        "WA_LEDGER_SIGNING_KEY": GOOD_LEDGER_KEY,
        "WA_CACHE_URL": "redis://127.0.0.1:6379/14",
    }
    as_owner = run_manage(
        "check_services",
        settings_module="config.settings.production",
        DATABASE_URL=_url(settings.DATABASE_OWNER, name),
        **production,
    )
    assert as_owner.returncode == 2
    lines = as_owner.stderr.strip().splitlines()
    assert len(lines) == 1 and "error: configuration error: DATABASE_URL connects as" in lines[0]
    assert "restricted role" in lines[0]
    as_application = run_manage(
        "check_services",
        settings_module="config.settings.production",
        DATABASE_URL=_url(APP_CREDENTIALS, name),
        **production,
    )
    assert as_application.returncode == 0, as_application.stderr


def test_grant_app_role_says_in_one_line_that_sqlite_has_no_roles(tmp_path):
    result = run_manage(
        "grant_app_role", "--role", "wa_app", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    assert result.returncode == 1
    assert "app_role_needs_postgresql" in result.stderr


def test_grant_app_role_refuses_a_role_name_it_would_have_to_quote(tmp_path):
    result = run_manage(
        "grant_app_role",
        "--role",
        'wa"; DROP TABLE x; --',
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 1 and "bad_role_name" in result.stderr


def test_the_password_reaches_postgresql_as_a_scram_verifier_only():
    import base64
    import hashlib
    import hmac

    verifier = scram_sha256_verifier("correct horse")
    match = re.fullmatch(r"SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)", verifier)
    assert match and "correct horse" not in verifier
    salt, stored, server = (base64.b64decode(part) for part in match.groups())
    salted = hashlib.pbkdf2_hmac("sha256", b"correct horse", salt, 4096)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    assert hashlib.sha256(client_key).digest() == stored
    assert hmac.new(salted, b"Server Key", "sha256").digest() == server
