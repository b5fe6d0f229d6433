"""What each role may do with deployments and alerts (see common.roles).

Which deployment an officer may act on is checked again in the services: the Silver commander
named on the authority commands; the operators and engagement officers named on a deployment
act on it alone. Who adjudicates is configuration (``WA_ADJUDICATING_ROLES``), so both the
operator and the engagement officer hold the permission and the setting chooses.
"""

from common.roles import Role

VIEW = ["deployments.view_deployment", "deployments.view_camera", "deployments.view_alert"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.SILVER_COMMANDER: [*VIEW, "deployments.command_deployment"],
    Role.LFR_OPERATOR: [
        *VIEW,
        "deployments.operate_deployment",
        "deployments.adjudicate_alert",
    ],
    Role.ENGAGEMENT_OFFICER: [
        *VIEW,
        "deployments.adjudicate_alert",
        "deployments.decide_engagement",
    ],
    Role.AUTHORISING_OFFICER: VIEW,
    Role.REVIEWER: VIEW,
    Role.OVERSIGHT: VIEW,
    Role.ADMINISTRATOR: VIEW,
}
