"""What each role may do with the ledger (see common.roles). Oversight reads; nobody writes
except through record_event, and nobody changes or deletes (the triggers refuse it)."""

from common.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.OVERSIGHT: [
        "oversight.view_ledgerentry",
        "oversight.view_ledgercheckpoint",
        "oversight.inspect_ledger",
    ],
}
