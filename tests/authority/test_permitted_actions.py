"""The pages' and the API's `permitted_actions` and the services agree, for every state and
every role: an act offered is one the service accepts (bar the act's own input), and an act not
offered is one the service refuses with the very rule the selector found."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from authority import services
from authority.models import Application, Rank, ReviewOutcome
from authority.policies import ACTS, require_permitted
from authority.selectors import permitted_actions
from common.errors import DomainError
from common.roles import Role
from tests.authority.fixtures import draft_application
from tests.factories import UserFactory

REASONS = "Reasons a person can act on."


def _call(act: str, application: Application, by) -> None:
    end = (application.valid_until or timezone.now()) + timedelta(hours=1)
    calls = {
        "edit": lambda: services.update_application(application=application, by=by, aim="New."),
        "submit": lambda: services.submit_application(application=application, by=by),
        "authorise": lambda: services.authorise_application(
            application=application, by=by, reasons=REASONS
        ),
        "urgently_authorise": lambda: services.urgently_authorise_application(
            application=application,
            by=by,
            reasons=REASONS,
            superintendent_unavailable_reason="At a firearms incident.",
        ),
        "refuse": lambda: services.refuse_application(
            application=application, by=by, reasons=REASONS
        ),
        "return": lambda: services.return_application(
            application=application, by=by, reasons=REASONS
        ),
        "consult": lambda: services.consult_chief_officer(
            application=application, by=by, outcome="noted", comments=REASONS
        ),
        "ratify": lambda: services.ratify_urgent_authority(
            application=application, by=by, reasons=REASONS
        ),
        "cancel": lambda: services.cancel_authority(
            application=application, by=by, reasons=REASONS, report="Report."
        ),
        "renew": lambda: services.renew_authority(
            application=application, by=by, reasons=REASONS, new_end=end
        ),
        "review": lambda: services.review_authority(
            application=application, by=by, findings=REASONS, outcome=ReviewOutcome.CONTINUE
        ),
        "halt": lambda: services.halt_authority(application=application, by=by, reasons=REASONS),
        "resume": lambda: services.resume_authority(
            application=application, by=by, reasons=REASONS
        ),
    }
    calls[act]()


class Rollback(Exception):
    pass


def _outcome(act: str, application: Application, by) -> DomainError | None:
    """What the real service does, rolled back so every act starts from the same state."""
    try:
        with transaction.atomic():
            _call(act, Application.objects.get(pk=application.pk), by)
            raise Rollback
    except Rollback:
        return None
    except DomainError as error:
        return error


def _state(name, applicant, superintendent, inspector, commanders, chief):
    urgent = name.startswith("urgent")
    decider = inspector if urgent else superintendent
    extra = {"is_urgent": True, "urgency_reason": "A child at risk."} if urgent else {}
    app = draft_application(applicant, decider, commanders, **extra)
    if name == "draft":
        return app
    services.submit_application(application=app, by=applicant)
    if name in ("submitted", "urgent_submitted"):
        return app
    if name == "urgent_authorised":
        services.urgently_authorise_application(
            application=app, by=inspector, reasons=REASONS,
            superintendent_unavailable_reason="At a firearms incident.",
        )  # fmt: skip
        return app
    services.consult_chief_officer(application=app, by=chief, outcome="noted", comments="Ok.")
    if name == "returned":
        services.return_application(application=app, by=superintendent, reasons=REASONS)
        return app
    services.authorise_application(application=app, by=superintendent, reasons=REASONS)
    if name == "halted":
        services.halt_authority(application=app, by=commanders["silver_commander"], reasons="x")
    if name == "cancelled":
        services.cancel_authority(application=app, by=superintendent, reasons="x", report="y")
    return app


STATES = [
    "draft", "submitted", "urgent_submitted", "urgent_authorised", "returned", "authorised",
    "halted", "cancelled",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_permitted_actions_and_the_services_agree(
    state, applicant, superintendent, other_superintendent, inspector, commanders, chief,
    oversight_user,
):  # fmt: skip
    application = _state(state, applicant, superintendent, inspector, commanders, chief)
    people = {
        "applicant": applicant,
        "decider": superintendent,
        "urgent decider": inspector,
        "another superintendent": other_superintendent,
        "chief officer": chief,
        "oversight": oversight_user,
        "constable": UserFactory(rank=Rank.CONSTABLE, roles=[Role.LFR_OPERATOR]),
        **commanders,
    }
    offered_somewhere = set()
    for who, person in people.items():
        application.refresh_from_db()
        person = type(person).objects.get(pk=person.pk)  # no cached permissions
        offered = permitted_actions(person, application)
        offered_somewhere |= offered
        for act in ACTS:
            error = _outcome(act, application, person)
            if act in offered:
                assert error is None or error.field or error.code not in REFUSAL_CODES, (
                    f"{state}: {act} offered to {who} but refused: {error}"
                )
            else:
                try:
                    require_permitted(act, by=person, application=application)
                except DomainError as expected:
                    assert type(error) is type(expected) and error.detail == expected.detail, (
                        f"{state}: {act} by {who}: selector says {expected!r}, service {error!r}"
                    )
    # Every state offers someone something, except an ended authority.
    assert offered_somewhere or state == "cancelled"


REFUSAL_CODES = {
    "not_permitted", "wrong_state", "rank_too_low", "not_an_authorising_officer",
    "not_the_deciding_officer", "self_authorisation", "decider_in_chain", "application_locked",
    "not_urgent", "urgent_authority_lapsed", "not_the_silver_commander", "already_halted",
    "not_halted",
}  # fmt: skip
