"""What each role may do with the authority app's objects (see common.roles)."""

from common.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.ADMINISTRATOR: [
        "authority.add_user",
        "authority.change_user",
        "authority.view_user",
        "auth.view_group",
    ],
    Role.OVERSIGHT: ["authority.view_user"],
}
