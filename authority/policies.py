"""Who may do which act to an application now: one check per act, and nothing else.

Each check raises the broken rule's error; the service runs it first (under the row lock) and
``permitted_actions`` asks it, so the pages, the API and the services can never disagree about
what a person may do. A check covers the act's state and who acts — not the act's own input
(reasons, conditions, dates), which the service checks after it.
"""

from collections.abc import Callable

from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from authority.errors import (
    AlreadyHalted,
    ApplicationLocked,
    DeciderInChain,
    InvalidRenewal,
    NotAnAuthorisingOfficer,
    NotHalted,
    NotTheDecidingOfficer,
    NotTheSilverCommander,
    NotUrgent,
    RankTooLow,
    SelfAuthorisation,
    UrgentAuthorityLapsed,
)
from authority.models import LIVE_STATUSES, Application, ApplicationStatus, Mode, Rank, User
from common.errors import DomainError, InvalidInput, NotPermitted, WrongState
from common.roles import Role

S = ApplicationStatus


# --- the single rules every act is built from ------------------------------------------


def require_rank(by: User, rank: Rank, action: str) -> None:
    if not by.has_rank_at_least(rank):
        held = by.rank_label or "no police rank"
        raise RankTooLow(
            f"To {action} you must hold the rank of {rank.label} or above; you hold {held}."
        )


def require_role(by: User, role: Role, action: str) -> None:
    if not by.has_role(role):
        raise NotAnAuthorisingOfficer(f"To {action} you need the {role.label} role.")


def require_independent(by: User, application: Application) -> None:
    """The authorising officer is neither the applicant nor in the operation's command chain."""
    if by.pk == application.applicant_id:
        raise SelfAuthorisation()
    if by.pk in {
        application.gold_commander_id,
        application.silver_commander_id,
        application.bronze_commander_id,
    }:
        raise DeciderInChain()


def require_status(application: Application, *allowed: ApplicationStatus, action: str) -> None:
    if application.status not in allowed:
        raise WrongState(
            f"Cannot {action}: the application is {application.get_status_display().lower()}."
        )


def is_deciding_officer(user: User, application: Application) -> bool:
    """The officer the application was submitted to, or the Superintendent who ratified it."""
    return ObjectPermissionChecker(user).has_perm("authorise_application", application)


def require_authorising_officer(
    by: User, application: Application, action: str, *, minimum: Rank, assigned: bool = True
) -> None:
    """ "May act as the authorising officer": the role and its permission, the rank, the
    assignment to this application (unless ratifying), and independence from it."""
    require_role(by, Role.AUTHORISING_OFFICER, action)
    # An assignment (an object permission given at submission or ratification) implies it.
    if not assigned and not by.has_perm("authority.authorise_application"):
        raise NotAnAuthorisingOfficer()
    require_rank(by, minimum, action)
    if assigned and not is_deciding_officer(by, application):
        if application.status == S.SUBMITTED:
            raise NotAnAuthorisingOfficer()
        raise NotTheDecidingOfficer(
            f"Only the authorising officer who decided or ratified this authority may {action}."
        )
    require_independent(by, application)


def decider_minimum(application: Application) -> Rank:
    """An urgent application may be decided (and its urgent authority cancelled) by an
    Inspector; everything else needs a Superintendent."""
    return Rank.INSPECTOR if application.is_urgent else Rank.SUPERINTENDENT


def halting_role(user: User, application: Application) -> Role | None:
    """The role in which ``user`` may halt or resume the engine under ``application``, if any.

    The Silver commander named on it halts (DOMAIN: deployment); so may the authorising officer
    who decided it, who could cancel it outright. No other officer may.
    """
    if user.pk == application.silver_commander_id and user.has_role(Role.SILVER_COMMANDER):
        return Role.SILVER_COMMANDER
    if user.has_role(Role.AUTHORISING_OFFICER) and is_deciding_officer(user, application):
        return Role.AUTHORISING_OFFICER
    return None


# --- one check per act --------------------------------------------------------------------


def _applicants(verb: str, locked: str | None = None) -> Callable[[User, Application], None]:
    def check(by: User, app: Application) -> None:
        if by.pk != app.applicant_id:
            raise NotPermitted(f"Only the applicant can {verb} this application.")
        if not app.is_editable:
            raise ApplicationLocked(locked)

    return check


def _decide(verb: str) -> Callable[[User, Application], None]:
    def check(by: User, app: Application) -> None:
        require_status(app, S.SUBMITTED, action=verb)
        require_authorising_officer(by, app, verb, minimum=decider_minimum(app))

    return check


def _authorise(by: User, app: Application) -> None:
    _decide("authorise")(by, app)
    require_rank(by, Rank.SUPERINTENDENT, "authorise")


def _urgently_authorise(by: User, app: Application) -> None:
    require_status(app, S.SUBMITTED, action="authorise urgently")
    if not app.is_urgent:
        raise NotUrgent()
    require_authorising_officer(by, app, "authorise urgently", minimum=Rank.INSPECTOR)


def _consult(by: User, app: Application) -> None:
    require_status(app, S.SUBMITTED, S.URGENT_AUTHORISED, action="consult on")
    if app.mode != Mode.LFR:
        raise InvalidInput("Chief Officer consultation is for live facial recognition.")
    if not (by.has_role(Role.CHIEF_OFFICER) and by.has_perm("authority.consult_on_application")):
        raise NotPermitted("Only a Chief Officer can give this view.")
    require_rank(by, Rank.COMMANDER, "give the Chief Officer's view")
    if by.pk == app.applicant_id:
        raise NotPermitted("The applicant cannot be consulted as the Chief Officer.")


def _ratify(by: User, app: Application) -> None:
    require_status(app, S.URGENT_AUTHORISED, action="ratify")
    if timezone.now() >= app.lapses_at:
        raise UrgentAuthorityLapsed()
    # Ratification is any independent Superintendent's: the urgent decider was an Inspector.
    require_authorising_officer(
        by, app, "ratify an urgent authority", minimum=Rank.SUPERINTENDENT, assigned=False
    )


def may_ratify_any(user: User) -> bool:
    """Whether ``user`` could ratify an urgent authority they are independent of: the role,
    its permission and a Superintendent's rank (who may see such authorities follows)."""
    return (
        user.is_active
        and user.has_role(Role.AUTHORISING_OFFICER)
        and user.has_perm("authority.authorise_application")
        and user.has_rank_at_least(Rank.SUPERINTENDENT)
    )


def _cancel(by: User, app: Application) -> None:
    require_status(app, *LIVE_STATUSES, action="cancel")
    minimum = Rank.INSPECTOR if app.status == S.URGENT_AUTHORISED else Rank.SUPERINTENDENT
    require_authorising_officer(by, app, "cancel this authority", minimum=minimum)


def _renew(by: User, app: Application) -> None:
    require_status(app, S.AUTHORISED, action="renew")
    require_authorising_officer(by, app, "renew an authority", minimum=Rank.SUPERINTENDENT)
    if app.valid_until <= timezone.now():
        raise InvalidRenewal("The authority has already ended; it cannot be renewed.")


def _review(by: User, app: Application) -> None:
    require_status(app, S.AUTHORISED, action="review")
    require_authorising_officer(by, app, "review an authority", minimum=Rank.SUPERINTENDENT)


def _halt(by: User, app: Application) -> None:
    require_status(app, *LIVE_STATUSES, action="halt")
    if halting_role(by, app) is None:
        raise NotTheSilverCommander()
    if app.halted_at is not None:
        raise AlreadyHalted()


def _resume(by: User, app: Application) -> None:
    require_status(app, *LIVE_STATUSES, action="resume")
    if halting_role(by, app) is None:
        raise NotTheSilverCommander()
    if app.halted_at is None:
        raise NotHalted()


CHECKS: dict[str, Callable[[User, Application], None]] = {
    "edit": _applicants("change"),
    "submit": _applicants("submit", "This application has already been submitted."),
    "authorise": _authorise,
    "urgently_authorise": _urgently_authorise,
    "refuse": _decide("refuse"),
    "return": _decide("return"),
    "consult": _consult,
    "ratify": _ratify,
    "cancel": _cancel,
    "renew": _renew,
    "review": _review,
    "halt": _halt,
    "resume": _resume,
}
ACTS = tuple(CHECKS)


def require_permitted(act: str, *, by: User, application: Application) -> None:
    """Raise the rule ``by`` breaks by doing ``act`` to ``application`` now, if any."""
    CHECKS[act](by, application)


def is_permitted(act: str, user: User, application: Application) -> bool:
    """Whether ``user`` may do ``act`` to ``application`` now (the same check, asked)."""
    if not user.is_authenticated or not user.is_active:
        return False
    try:
        CHECKS[act](user, application)
    except DomainError:
        return False
    return True


def permitted_actions(user: User, application: Application) -> frozenset[str]:
    """Every act ``user`` may do to ``application`` now: what pages and the API offer."""
    return frozenset(act for act in CHECKS if is_permitted(act, user, application))
