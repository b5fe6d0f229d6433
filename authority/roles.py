"""What each role may do with the authority app's objects (see common.roles).

Application visibility is per object (django-guardian): an applicant sees their own, an
authorising officer those submitted to them. Roles that read every application hold the
global view permission.
"""

from common.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.APPLICANT: ["authority.draft_application"],
    Role.AUTHORISING_OFFICER: [
        "authority.authorise_application",
        "authority.urgently_authorise_application",
    ],
    Role.CHIEF_OFFICER: [
        "authority.view_application",
        "authority.view_restricted_application",
        "authority.consult_on_application",
    ],
    Role.OVERSIGHT: [
        "authority.view_user",
        "authority.view_application",
        "authority.view_restricted_application",
        "authority.view_decision",
        "authority.view_writtenauthoritydocument",
    ],
    Role.ADMINISTRATOR: [
        "authority.add_user",
        "authority.change_user",
        "authority.view_user",
        "auth.view_group",
    ],
}
