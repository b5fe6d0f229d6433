"""Saving a draft with its rows in one transaction (the form's and the API's entry point)."""

from authority.models import Application, User
from authority.services._guards import authority_service

from .drafting import (
    create_application,
    set_alternatives,
    set_assessments,
    set_locations,
    update_application,
)


@authority_service
def save_draft(
    *,
    by: User,
    application: Application | None = None,
    fields: dict,
    alternatives: list[dict] | None = None,
    locations: list[dict] | None = None,
    assessments: list[dict] | None = None,
) -> Application:
    """Create or update a draft and replace any rows given; all or nothing."""
    if application is None:
        fields = dict(fields)
        application = create_application(
            by=by,
            mode=fields.pop("mode", ""),
            operation_name=fields.pop("operation_name", ""),
            **fields,
        )
    elif fields:
        application = update_application(application=application, by=by, **fields)
    if alternatives is not None:
        set_alternatives(application=application, by=by, alternatives=alternatives)
    if locations is not None:
        set_locations(application=application, by=by, locations=locations)
    if assessments is not None:
        set_assessments(application=application, by=by, assessments=assessments)
    application.refresh_from_db()
    return application
