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

# RFR searches and OIFR checks. Investigators request, run and check; every investigator is
# trained to review another's candidates here (a force with a separate examiner team moves
# ``review_rfr_candidates`` to that team's role); the requester never reviews their own. An
# authorising officer of at least WA_RFR_APPROVER_MINIMUM_RANK approves a search.
SEARCH_VIEW = ["deployments.view_retrospectivesearch", "deployments.view_operatorcheck"]
SEARCH_PERMISSIONS: dict[Role, list[str]] = {
    Role.INVESTIGATOR: [
        "deployments.request_retrospective_search",
        "deployments.review_rfr_candidates",
        "deployments.run_operator_check",
    ],
    Role.AUTHORISING_OFFICER: ["deployments.approve_retrospective_search"],
    Role.OVERSIGHT: SEARCH_VIEW,
}
for _role, _perms in SEARCH_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS.get(_role, []), *_perms]
