"""What authority hands oversight's registers: its urgent authorities and its compliance
exceptions, in the words an inspector reads."""

from authority.rules import URGENT_LAPSE_AFTER
from oversight.registers import FollowUpRegister, RoleEvents

# The account services' role changes (authority.services.accounts).
ROLE_EVENTS = RoleEvents(granted="account.role_granted", withdrawn="account.role_withdrawn")

URGENT_AUTHORITIES = FollowUpRegister(
    opening_action="application.urgently_authorised",
    outcomes={
        "application.ratified": "Ratified",
        "application.lapsed": "Lapsed: not ratified in time",
        "application.cancelled": "Cancelled",
        "application.expired": "Expired",
        "application.refused": "Refused on ratification",
        "application.returned": "Returned for amendment",
    },
    awaiting="Awaiting ratification",
    timely_action="application.ratified",
    # The urgent decision records when it lapses: 72 hours, or the window's end if sooner.
    deadline_field="lapses_at",
    limit=URGENT_LAPSE_AFTER,
    late_code="late_ratification",
)

COMPLIANCE_LABELS = {
    "expired_without_cancellation": "Expired without cancellation",
    "late_ratification": "Late ratification",
    "urgent_authority_not_ratified": "Urgent authority not ratified",
}
