"""What each role may do with post-deployment reviews (see common.roles).

A reviewer writes and submits; a second officer approves: another reviewer or an authorising
officer (the services refuse the author). Oversight reads everything.
"""

from common.roles import Role

VIEW = ["reviews.view_review"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.REVIEWER: [*VIEW, "reviews.write_review", "reviews.approve_review"],
    Role.AUTHORISING_OFFICER: [*VIEW, "reviews.approve_review"],
    Role.PUBLISHER: VIEW,
    Role.OVERSIGHT: VIEW,
    Role.ADMINISTRATOR: VIEW,
}
