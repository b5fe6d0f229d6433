"""What each role may do with post-deployment reviews (see common.roles).

A reviewer writes and submits; a second officer approves: another reviewer or an authorising
officer (the services refuse the author). A publisher announces planned deployments and
publishes approved results. Oversight reads everything.
"""

from common.roles import Role

VIEW = ["reviews.view_review", "reviews.view_publisheddeployment"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.REVIEWER: [*VIEW, "reviews.write_review", "reviews.approve_review"],
    Role.AUTHORISING_OFFICER: [*VIEW, "reviews.approve_review"],
    Role.PUBLISHER: [*VIEW, "reviews.publish_deployment"],
    Role.OVERSIGHT: VIEW,
    Role.ADMINISTRATOR: VIEW,
}
