"""PostgreSQL roles: the application may only append to the ledger; the owner migrates.

The ledger's triggers refuse UPDATE, DELETE and TRUNCATE, but a table's owner (or a superuser)
can disable them, rewrite the entries, re-chain them and delete the checkpoints. So the
application connects (``DATABASE_URL``) as a role that

- holds only SELECT and INSERT on the ledger and checkpoint tables,
- owns nothing, is no superuser and cannot create roles, so it cannot disable a trigger, alter
  or drop a table, or grant itself more,
- has SELECT, INSERT, UPDATE, DELETE and TRUNCATE on every other table (and USAGE on the
  sequences), now and, through default privileges, on tables later migrations create,

while ``migrate`` and ``grant_app_role`` connect as the owner (``DATABASE_OWNER_URL``).
``grant_app_role`` creates or updates that role, idempotently; ``migrate`` re-applies it after
migrating (a new table gets the default privileges, a ledger table must then lose them again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import DatabaseError

from oversight.errors import (
    AppRoleIsOwner,
    AppRoleNeedsPostgreSQL,
    AppRoleNotCreated,
    AppRoleStillPrivileged,
    BadRoleName,
)
from oversight.schema import APPEND_ONLY_TABLES

# The connection settings that differ between the owner and the application (NAME does not).
CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"
LEDGER_PRIVILEGES = "SELECT, INSERT"
# What the application must not hold on a ledger table (column-level UPDATE included).
REFUSED_ON_LEDGER = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
SCRAM_ITERATIONS = 4096

# Aliases connected as the owner right now (migrate, grant_app_role), with their nesting depth:
# the production guard (``refuse_unrestricted_role``) lets those through.
_owner_aliases: dict[str, int] = {}
_checked_roles: set[tuple] = set()


@contextmanager
def as_owner(alias: str = DEFAULT_DB_ALIAS) -> Iterator:
    """Reconnect ``alias`` with DATABASE_OWNER_URL's credentials (same database name) for the
    block, then back. Without DATABASE_OWNER_URL, DATABASE_URL is taken to be the owner."""
    connection = connections[alias]
    if connection.in_atomic_block:
        raise RuntimeError("as_owner() reconnects, so it cannot run inside a transaction")
    owner = getattr(settings, "DATABASE_OWNER", None)
    saved = {key: connection.settings_dict.get(key) for key in CREDENTIAL_KEYS}
    if owner is not None:
        connection.close()
        use_credentials(connection, owner)
    _owner_aliases[alias] = _owner_aliases.get(alias, 0) + 1
    try:
        yield connection
    finally:
        _owner_aliases[alias] -= 1
        if not _owner_aliases[alias]:
            del _owner_aliases[alias]
        if owner is not None:
            connection.close()
            use_credentials(connection, saved)


def use_credentials(connection, source: dict) -> None:
    """Point a (closed) connection at another role: the credential keys of ``source``."""
    for key in CREDENTIAL_KEYS:
        value = source.get(key)
        connection.settings_dict[key] = dict(value or {}) if key == "OPTIONS" else (value or "")


def application_role() -> str:
    """The role DATABASE_URL connects as, when DATABASE_OWNER_URL names another one."""
    owner = getattr(settings, "DATABASE_OWNER", None)
    user = settings.DATABASES[DEFAULT_DB_ALIAS].get("USER") or ""
    return user if owner is not None and user and user != owner.get("USER") else ""


@dataclass
class GrantReport:
    role: str
    database: str
    owner: str
    created: bool
    ledger_tables: int
    other_tables: int

    def line(self) -> str:
        made = "created" if self.created else "updated"
        ledger = (
            f"SELECT and INSERT only on the {self.ledger_tables} ledger tables"
            if self.ledger_tables
            else "no ledger tables yet (run migrate, which grants again after migrating)"
        )
        return (
            f"role {self.role} {made} in database {self.database}: {ledger}; "
            f"SELECT, INSERT, UPDATE, DELETE, TRUNCATE on {self.other_tables} other tables and "
            f"on those {self.owner} creates later; owns nothing, not a superuser"
        )


def grant_app_role(
    *, role: str, password: str | None = None, create: bool = True, alias: str = DEFAULT_DB_ALIAS
) -> GrantReport:
    """Create or update ``role`` as the application's restricted role, as the owner (one
    transaction: all of it or none). ``password`` is sent as a SCRAM verifier, never in clear."""
    if not ROLE_NAME.match(role or ""):
        raise BadRoleName(
            f"{role!r} is not a role name this command creates: use lower-case letters, digits "
            "and underscores, starting with a letter (for example wa_app)"
        )
    with as_owner(alias) as connection:
        if connection.vendor != "postgresql":
            raise AppRoleNeedsPostgreSQL()
        quoted = connection.ops.quote_name(role)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            if role == owner:
                raise AppRoleIsOwner(
                    f"{role} is the role this command runs as, the tables' owner; name another "
                    "role for the application (DATABASE_URL's user), e.g. wa_app"
                )
            created = _create_or_update(cursor, role, quoted, password, create=create)
            if _is_member(cursor, role, owner):
                raise AppRoleIsOwner(
                    f"{role} is a member of {owner}, the tables' owner, so it could act as the "
                    f"owner: REVOKE {owner} FROM {role}, or name another role"
                )
            ledger = [t for t in APPEND_ONLY_TABLES if _exists(cursor, t)]
            _owned = _owned_tables(cursor, role, schema)
            if _owned:
                raise AppRoleIsOwner(
                    f"{role} owns {', '.join(_owned)}; an owner can disable the ledger's "
                    f"triggers: ALTER TABLE ... OWNER TO {owner} first, or name another role"
                )
            for statement in grant_statements(
                role=quoted,
                owner=connection.ops.quote_name(owner),
                database=connection.ops.quote_name(database),
                schema=connection.ops.quote_name(schema),
                ledger_tables=ledger,
            ):
                cursor.execute(statement)
            problems = role_problems(cursor, role)
            if problems:
                raise AppRoleStillPrivileged(
                    f"after the grants, {role} still {problems[0]}; fix it by hand and run the "
                    "command again"
                )
            cursor.execute(
                "SELECT count(*) FROM pg_tables "
                "WHERE schemaname = %s AND NOT (tablename = ANY(%s))",
                [schema, list(APPEND_ONLY_TABLES)],
            )
            others = cursor.fetchone()[0]
    return GrantReport(role, database, owner, created, len(ledger), others)


def grant_statements(
    *, role: str, owner: str, database: str, schema: str, ledger_tables: list[str]
) -> list[str]:
    """The GRANTs and REVOKEs, on already-quoted names. Order matters: the blanket grant on all
    tables comes first, then the ledger tables lose everything but SELECT and INSERT."""
    statements = [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
        f"GRANT {APP_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT {APP_TABLE_PRIVILEGES} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for table in ledger_tables:
        statements += [
            f"REVOKE ALL ON TABLE {table} FROM PUBLIC",
            f"REVOKE ALL ON TABLE {table} FROM {role}",
            f"GRANT {LEDGER_PRIVILEGES} ON TABLE {table} TO {role}",
        ]
    return statements


def role_problems(cursor, role: str | None = None) -> list[str]:
    """What makes ``role`` (default: the connected one) unfit to be the application: each a
    phrase following the role's name ("is a superuser", ...). Empty when it is fit."""
    cursor.execute(
        "SELECT rolname, rolsuper, rolcreaterole FROM pg_roles "
        "WHERE rolname = COALESCE(%s, current_user)",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return ["does not exist"]
    name, superuser, createrole = row
    problems = []
    if superuser:
        problems.append("is a superuser, who can disable the ledger's triggers")
    if createrole:
        problems.append("can create roles, and so grant itself the owner's role")
    checks = [
        f"has_any_column_privilege(%s, c.oid, '{p}')"
        if p in ("UPDATE", "REFERENCES")
        else f"has_table_privilege(%s, c.oid, '{p}')"
        for p in (*REFUSED_ON_LEDGER, "SELECT", "INSERT")
    ]
    for table in APPEND_ONLY_TABLES:
        cursor.execute(  # the checks are built from the constant privilege names above
            f"SELECT pg_has_role(%s, c.relowner, 'MEMBER'), {', '.join(checks)} "  # noqa: S608
            "FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [name] * (1 + len(checks)) + [table],
        )
        found = cursor.fetchone()
        if found is None:
            continue
        owns, *refused, can_select, can_insert = found
        if owns:
            problems.append(f"owns {table} (or is a member of its owner)")
        held = [p for p, has in zip(REFUSED_ON_LEDGER, refused, strict=True) if has]
        if held:
            problems.append(f"holds {', '.join(held)} on {table}")
        if not (can_select and can_insert):
            problems.append(f"cannot SELECT and INSERT on {table}")
    return problems


def refuse_unrestricted_role(sender, connection, **kwargs) -> None:
    """connection_created receiver (production): the application's connection must be the
    restricted role. Checked once per process and role; migrate and grant_app_role pass."""
    if (
        connection.vendor != "postgresql"
        or connection.alias != DEFAULT_DB_ALIAS
        or connection.alias in _owner_aliases
    ):
        return
    params = connection.settings_dict
    key = (params.get("HOST"), params.get("PORT"), params.get("NAME"), params.get("USER"))
    if key in _checked_roles:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        user = cursor.fetchone()[0]
        # Only what lets it rewrite the ledger; a role still lacking grants fails on its own.
        problems = [p for p in role_problems(cursor) if not p.startswith("cannot ")]
    if problems:
        connection.close()  # or the next query would reuse it unchecked
        raise ImproperlyConfigured(
            f"DATABASE_URL connects as {user}, who {problems[0]}: connect the application as "
            "its restricted role (manage.py grant_app_role; README, Database roles), or set "
            "WA_LEDGER_REQUIRE_RESTRICTED_ROLE=false to run unprotected"
        )
    _checked_roles.add(key)


def scram_sha256_verifier(password: str) -> str:
    """The form PostgreSQL stores (RFC 5802/7677), so the password never reaches the server
    or its statement log in clear. NFKC stands in for SASLprep, which it equals for ASCII."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac(
        "sha256", unicodedata.normalize("NFKC", password).encode(), salt, SCRAM_ITERATIONS
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _create_or_update(cursor, role: str, quoted: str, password: str | None, *, create: bool):
    cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    secret = " PASSWORD %s" if password else ""
    params = [scram_sha256_verifier(password)] if password else []
    try:
        with transaction.atomic(using=cursor.db.alias):
            if row is None:
                if not create:
                    raise AppRoleNotCreated(f"role {role} does not exist; run grant_app_role")
                cursor.execute(
                    f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                    f"NOREPLICATION NOBYPASSRLS{secret}",
                    params,
                )
                return True
            # Only the attributes that are set: changing SUPERUSER itself needs a superuser.
            wanted = [
                attribute
                for attribute, held in zip(
                    ("NOSUPERUSER", "NOCREATEROLE", "NOCREATEDB", "NOREPLICATION", "NOBYPASSRLS"),
                    row,
                    strict=True,
                )
                if held
            ]
            if wanted or password:
                cursor.execute(f"ALTER ROLE {quoted} LOGIN {' '.join(wanted)}{secret}", params)
            return False
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        raise AppRoleNotCreated(
            f"cannot create or update role {role} as the owner ({first}): the owner needs "
            "CREATEROLE, or a database administrator creates the role and you run this again"
        ) from None


def _is_member(cursor, role: str, owner: str) -> bool:
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
    return bool(cursor.fetchone()[0])


def _exists(cursor, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return bool(cursor.fetchone()[0])


def _owned_tables(cursor, role: str, schema: str) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tableowner = %s "
        "ORDER BY tablename",
        [schema, role],
    )
    return [row[0] for row in cursor.fetchall()]
