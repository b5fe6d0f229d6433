from common.roles import Role

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.WATCHLIST_OFFICER: ["biometric_engine.enrol_face", "biometric_engine.view_gallery"],
    Role.LFR_OPERATOR: ["biometric_engine.search_gallery"],
    Role.INVESTIGATOR: ["biometric_engine.search_gallery"],
    Role.ADMINISTRATOR: ["biometric_engine.enrol_face", "biometric_engine.view_gallery"],
    Role.OVERSIGHT: ["biometric_engine.view_gallery"],
}
