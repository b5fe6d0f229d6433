"""What each role may do with watchlists and reference galleries (see common.roles).

Which list an officer may touch is checked again in the services: the authorising officer signs
off only lists under an authority they decided; restricted fields (name, date of birth) are shown
only to those who compose, sign off or answer subject access.
"""

from common.roles import Role

VIEW = "watchlists.view_watchlist"

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.WATCHLIST_OFFICER: [
        VIEW,
        "watchlists.compose_watchlist",
        "watchlists.view_watchlistentry",
        "watchlists.view_importjob",
    ],
    Role.AUTHORISING_OFFICER: [
        VIEW,
        "watchlists.sign_off_watchlist",
        "watchlists.view_watchlistentry",
    ],
    Role.SILVER_COMMANDER: [VIEW],
    Role.LFR_OPERATOR: [VIEW],
    Role.INVESTIGATOR: ["watchlists.view_referencegallery"],
    Role.OVERSIGHT: [
        VIEW,
        "watchlists.view_watchlistentry",
        "watchlists.view_subject_access",
        "watchlists.view_referencegallery",
    ],
    Role.ADMINISTRATOR: [
        VIEW,
        "watchlists.view_subject_access",
        "watchlists.view_referencegallery",
        "watchlists.manage_reference_gallery",
    ],
}
