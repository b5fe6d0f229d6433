"""Every write to the authority app: one transaction each, with its ledger event."""

from .accounts import (
    change_rank,
    create_account,
    disable_account,
    enable_account,
    grant_role,
    withdraw_role,
)
from .decisions import (
    authorise_application,
    consult_chief_officer,
    ratify_urgent_authority,
    refuse_application,
    return_application,
    urgently_authorise_application,
)
from .draft_form import save_draft
from .drafting import (
    create_application,
    set_alternatives,
    set_assessments,
    set_locations,
    update_application,
)
from .halting import halt_authority, resume_authority
from .lifecycle import (
    cancel_authority,
    expire_authority,
    lapse_urgent_authority,
    renew_authority,
    review_authority,
)
from .submission import submit_application
from .wad import issue_written_authority

__all__ = [
    "authorise_application",
    "cancel_authority",
    "change_rank",
    "consult_chief_officer",
    "create_account",
    "create_application",
    "disable_account",
    "enable_account",
    "expire_authority",
    "grant_role",
    "halt_authority",
    "issue_written_authority",
    "lapse_urgent_authority",
    "ratify_urgent_authority",
    "refuse_application",
    "renew_authority",
    "resume_authority",
    "return_application",
    "review_authority",
    "save_draft",
    "set_alternatives",
    "set_assessments",
    "set_locations",
    "submit_application",
    "update_application",
    "urgently_authorise_application",
    "withdraw_role",
]
