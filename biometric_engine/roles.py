from common.roles import Role

# Equitability reports are read by those who set or scrutinise thresholds: the authorising
# officer (who may ask for more than the minimum, never less), the Chief Officer, oversight.
VIEW_REPORTS = "biometric_engine.view_equitabilityreport"

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.AUTHORISING_OFFICER: [VIEW_REPORTS],
    Role.CHIEF_OFFICER: [VIEW_REPORTS],
    Role.WATCHLIST_OFFICER: ["biometric_engine.enrol_face", "biometric_engine.view_gallery"],
    Role.LFR_OPERATOR: ["biometric_engine.search_gallery"],
    Role.INVESTIGATOR: ["biometric_engine.search_gallery"],
    Role.ADMINISTRATOR: [
        "biometric_engine.enrol_face",
        "biometric_engine.view_gallery",
        "biometric_engine.add_equitabilityreport",
        VIEW_REPORTS,
    ],
    Role.OVERSIGHT: ["biometric_engine.view_gallery", VIEW_REPORTS],
}
