"""What the ledger refuses. Rules broken by a caller are DomainErrors; a write made outside a
transaction is a programming error and raises LedgerOutsideTransaction (a 500, on purpose)."""

from common.errors import DomainError


class InvalidLedgerEvent(DomainError):
    code = "invalid_ledger_event"
    kind = "invalid"
    default_detail = "The event cannot be written to the ledger as it stands."


class BiometricDataInLedger(InvalidLedgerEvent):
    code = "biometric_data_in_ledger"
    default_detail = (
        "Ledger payloads carry ids, counts, reasons and hashes, never images, biometric "
        "templates or vectors."
    )


class LedgerOutsideTransaction(RuntimeError):
    """record_event was called outside transaction.atomic(): the event and the action it
    records would not commit or roll back together, so nothing is written."""


class DatabaseRoleError(DomainError):
    """grant_app_role cannot make the application's database role safe as asked."""

    code = "database_role_error"
    kind = "invalid"
    default_detail = "The application's database role cannot be set up as asked."


class AppRoleNeedsPostgreSQL(DatabaseRoleError):
    code = "app_role_needs_postgresql"
    default_detail = (
        "Database roles are PostgreSQL's: on SQLite the file's permissions are the only guard, "
        "so there is no role to grant (point DATABASE_URL at PostgreSQL to use one)."
    )


class BadRoleName(DatabaseRoleError):
    code = "bad_role_name"


class AppRoleIsOwner(DatabaseRoleError):
    code = "app_role_is_owner"


class AppRoleNotCreated(DatabaseRoleError):
    code = "app_role_not_created"


class AppRoleStillPrivileged(DatabaseRoleError):
    code = "app_role_still_privileged"


class ExportDateInvalid(DomainError):
    code = "export_date_invalid"
    kind = "invalid"
    default_detail = "The 'since' date must be a real date, not in the future."
