"""The Silver commander's halt: the engine stops at its next call; the authority stays live."""

from django.utils import timezone

from authority.models import Application, ApplicationStatus, User
from authority.policies import halting_role, require_permitted
from authority.services._guards import (
    authority_service,
    lock_application,
    require_reasons,
)
from oversight.ledger import record_event

S = ApplicationStatus


@authority_service
def halt_authority(*, application: Application, by: User, reasons: str) -> Application:
    """Stop every engine call under a live authority until it is resumed."""
    application = lock_application(application)
    require_permitted("halt", by=by, application=application)
    role = halting_role(by, application)
    reasons = require_reasons(reasons, "Write why the engine is halted.", field="reasons")
    application.halted_at = timezone.now()
    application.halted_by = by
    application.halt_reasons = reasons
    application.save(update_fields=["halted_at", "halted_by", "halt_reasons", "updated_at"])
    record_event(actor=by, role=role, action="application.halted", subject=application)
    return application


@authority_service
def resume_authority(*, application: Application, by: User, reasons: str) -> Application:
    """Let the engine run again under a halted authority that is still live."""
    application = lock_application(application)
    require_permitted("resume", by=by, application=application)
    role = halting_role(by, application)
    reasons = require_reasons(reasons, "Write why the engine may run again.", field="reasons")
    halted_at = application.halted_at
    application.halted_at = None
    application.halted_by = None
    application.halt_reasons = ""
    application.save(update_fields=["halted_at", "halted_by", "halt_reasons", "updated_at"])
    record_event(
        actor=by,
        role=role,
        action="application.resumed",
        subject=application,
        payload={"halted_at": halted_at},
    )
    return application
