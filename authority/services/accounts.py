"""Accounts and roles: who may do what is changed only here, and every change is ledgered.

The gate trusts a holder's role at every engine call, so a grant must be provable: each service
writes `account.<past tense>` with who acted, on whom, what and why. Nobody changes their own
account (separation of duties); ``by=None`` is the platform's own operator running a command
(``seed_demo``), recorded as the system. Superuser is never granted here.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from authority.errors import (
    AccountUnchanged,
    NotAnAdministrator,
    OwnAccount,
    RoleNotForAccount,
)
from authority.models import AccountKind, Rank, User
from authority.services._guards import authority_service, require_reasons
from common.errors import InvalidInput
from common.roles import Role
from oversight.ledger import record_event

# Roles that decide or act on an authority need a warranted officer of at least this rank.
ROLE_MINIMUM_RANK = {Role.AUTHORISING_OFFICER: Rank.INSPECTOR, Role.CHIEF_OFFICER: Rank.COMMANDER}


def _require_administrator(by: User | None, officer: User | None = None) -> None:
    if by is None:
        return
    if not (
        by.is_active and by.has_role(Role.ADMINISTRATOR) and by.has_perm("authority.change_user")
    ):
        raise NotAnAdministrator()
    if officer is not None and by.pk == officer.pk:
        raise OwnAccount()


def _lock(officer: User) -> User:
    return User.objects.select_for_update().get(pk=officer.pk)


def _acting_role(by: User | None) -> str:
    return "system" if by is None else Role.ADMINISTRATOR.value


def _check_role_fits(officer: User, role: Role) -> None:
    """Oversight accounts hold only the oversight role; decision roles need their rank."""
    if (officer.kind == AccountKind.OVERSIGHT) != (role == Role.OVERSIGHT):
        raise RoleNotForAccount(
            "The oversight role is for oversight bodies' accounts only, and an oversight "
            "account holds no other role.",
            field="role",
        )
    minimum = ROLE_MINIMUM_RANK.get(role)
    if minimum is not None and not officer.has_rank_at_least(minimum):
        raise RoleNotForAccount(
            f"The {role.label} role needs a police officer of at least {minimum.label}; "
            f"{officer.display_name} holds {officer.rank_label or 'no police rank'}.",
            field="role",
        )


@authority_service
def create_account(
    *,
    by: User | None,
    username: str,
    first_name: str,
    last_name: str,
    kind: AccountKind,
    rank: Rank | None = None,
    warrant_number: str = "",
    command_unit: str = "",
    organisation: str = "",
    reasons: str,
) -> User:
    """A new account with no role and no usable password: roles are granted one by one, and
    the person sets their password through the reset route, never the administrator."""
    _require_administrator(by)
    reasons = require_reasons(reasons, "Write why this account is needed.")
    officer = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        kind=kind,
        rank=rank,
        warrant_number=warrant_number,
        command_unit=command_unit,
        organisation=organisation,
    )
    officer.set_unusable_password()
    try:
        officer.full_clean()
    except ValidationError as error:
        field, problems = next(iter(error.message_dict.items()))
        raise InvalidInput(
            " ".join(problems), field=None if field == "__all__" else field
        ) from None
    officer.save()
    record_event(
        actor=by,
        action="account.created",
        subject=officer,
        role=_acting_role(by),
        payload={"kind": kind, "rank": rank, "reasons": reasons},
    )
    return officer


def _change_role(*, by: User | None, officer: User, role: Role, reasons: str, grant: bool) -> User:
    _require_administrator(by, officer)
    officer = _lock(officer)
    role = Role(role)
    verb = "granted" if grant else "withdrawn"
    reasons = require_reasons(reasons, f"Write why the role is {verb}.")
    if officer.has_role(role) == grant:
        held = "already holds" if grant else "does not hold"
        raise AccountUnchanged(f"{officer.display_name} {held} the {role.label} role.")
    group = Group.objects.get(name=role.value)
    if grant:
        _check_role_fits(officer, role)
        officer.groups.add(group)
    else:
        officer.groups.remove(group)
    if role == Role.ADMINISTRATOR:
        # Django admin (read-only) is for administrators; the role is what opens it.
        officer.is_staff = grant
        officer.save(update_fields=["is_staff"])
    record_event(
        actor=by,
        action=f"account.role_{verb}",
        subject=officer,
        role=_acting_role(by),
        payload={"role": role.value, "reasons": reasons},
    )
    return officer


@authority_service
def grant_role(*, by: User | None, officer: User, role: Role, reasons: str) -> User:
    return _change_role(by=by, officer=officer, role=role, reasons=reasons, grant=True)


@authority_service
def withdraw_role(*, by: User | None, officer: User, role: Role, reasons: str) -> User:
    return _change_role(by=by, officer=officer, role=role, reasons=reasons, grant=False)


def _set_active(*, by: User | None, officer: User, active: bool, reasons: str) -> User:
    _require_administrator(by, officer)
    officer = _lock(officer)
    reasons = require_reasons(reasons, "Write why the account is changed.")
    if officer.is_active == active:
        state = "enabled" if active else "disabled"
        raise AccountUnchanged(f"{officer.display_name}'s account is already {state}.")
    officer.is_active = active
    officer.save(update_fields=["is_active"])
    record_event(
        actor=by,
        action="account.enabled" if active else "account.disabled",
        subject=officer,
        role=_acting_role(by),
        payload={"reasons": reasons},
    )
    return officer


@authority_service
def disable_account(*, by: User | None, officer: User, reasons: str) -> User:
    """The person can no longer sign in, use a token, or hold an engine scope."""
    return _set_active(by=by, officer=officer, active=False, reasons=reasons)


@authority_service
def enable_account(*, by: User | None, officer: User, reasons: str) -> User:
    return _set_active(by=by, officer=officer, active=True, reasons=reasons)


@authority_service
def change_rank(*, by: User | None, officer: User, rank: Rank, reasons: str) -> User:
    """Promotion or demotion; roles the new rank cannot hold must be withdrawn first."""
    _require_administrator(by, officer)
    officer = _lock(officer)
    reasons = require_reasons(reasons, "Write why the rank changes.")
    if officer.kind != AccountKind.OFFICER:
        raise RoleNotForAccount("Only a police officer holds a rank.", field="rank")
    rank = Rank(rank)
    if officer.rank == rank:
        raise AccountUnchanged(f"{officer.display_name} already holds the rank of {rank.label}.")
    previous = officer.rank
    officer.rank = rank
    for role in officer.roles:
        minimum = ROLE_MINIMUM_RANK.get(role)
        if minimum is not None and rank < minimum:
            raise RoleNotForAccount(
                f"A {rank.label} cannot hold the {role.label} role: withdraw it first.",
                field="rank",
            )
    officer.save(update_fields=["rank"])
    record_event(
        actor=by,
        action="account.rank_changed",
        subject=officer,
        role=_acting_role(by),
        payload={"from": previous, "to": rank.value, "reasons": reasons},
    )
    return officer


def account_acts(officer: User) -> dict[str, list]:
    """What an administrator may do to ``officer``'s account now, each with the choices the
    services would accept: only these are offered (the services still check every one).

    Keys are the account pages' action slugs; a value is the list of choices (roles, ranks),
    or ``[]`` for an act that takes none."""
    held = officer.roles
    acts: dict[str, list] = {}
    grantable = []
    for role in Role:
        if role in held:
            continue
        try:
            _check_role_fits(officer, role)
        except RoleNotForAccount:
            continue
        grantable.append(role)
    if grantable:
        acts["grant-role"] = grantable
    if held:
        acts["withdraw-role"] = sorted(held, key=list(Role).index)
    if officer.kind == AccountKind.OFFICER:
        acts["change-rank"] = [rank for rank in Rank if rank != officer.rank]
    acts["disable" if officer.is_active else "enable"] = []
    return acts
