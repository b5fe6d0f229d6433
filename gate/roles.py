"""Which role runs the engine in each mode (the gate's rule; no permissions of its own)."""

from common.roles import Role

# The role that runs the engine in each mode: the scope carries it, and the ledger records it.
SEARCH_ROLE_FOR_MODE: dict[str, Role] = {
    "lfr": Role.LFR_OPERATOR,
    "rfr": Role.INVESTIGATOR,
    "oifr": Role.INVESTIGATOR,
}
