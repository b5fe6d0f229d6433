"""Demo accounts: one or more people for every role, created idempotently.

Later capabilities extend the demo (applications in every state, watchlists, deployments, ...)
so `make run` always shows the whole platform.
"""

from dataclasses import dataclass

from django.db import transaction

from authority import services
from authority.models import AccountKind, Rank, User
from common.roles import Role


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    kind: AccountKind
    roles: tuple[Role, ...]
    rank: Rank | None = None
    warrant_number: str = ""
    command_unit: str = ""
    organisation: str = ""


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        "applicant",
        "Amira",
        "Patel",
        AccountKind.OFFICER,
        (Role.APPLICANT,),
        Rank.INSPECTOR,
        "MP1001",
        "Central West BCU",
    ),
    DemoPerson(
        "superintendent",
        "Ben",
        "Okafor",
        AccountKind.OFFICER,
        (Role.AUTHORISING_OFFICER,),
        Rank.SUPERINTENDENT,
        "MP1002",
        "Central West BCU",
    ),
    DemoPerson(
        "superintendent2",
        "Priya",
        "Shah",
        AccountKind.OFFICER,
        (Role.AUTHORISING_OFFICER,),
        Rank.CHIEF_SUPERINTENDENT,
        "MP1014",
        "Met Operations",
    ),
    DemoPerson(
        "inspector",
        "Chloe",
        "Hughes",
        AccountKind.OFFICER,
        (Role.AUTHORISING_OFFICER,),
        Rank.INSPECTOR,
        "MP1003",
        "Central West BCU",
    ),
    DemoPerson(
        "chief",
        "Dana",
        "Whitfield",
        AccountKind.OFFICER,
        (Role.CHIEF_OFFICER,),
        Rank.COMMANDER,
        "MP1004",
        "Met Operations",
    ),
    DemoPerson(
        "watchlist",
        "Evan",
        "Brooks",
        AccountKind.OFFICER,
        (Role.WATCHLIST_OFFICER,),
        Rank.SERGEANT,
        "MP1005",
        "Met Intelligence",
    ),
    DemoPerson(
        "operator",
        "Fiona",
        "Grant",
        AccountKind.STAFF,
        (Role.LFR_OPERATOR,),
        command_unit="Met Operations",
    ),
    DemoPerson(
        "engagement",
        "George",
        "Mensah",
        AccountKind.OFFICER,
        (Role.ENGAGEMENT_OFFICER,),
        Rank.SERGEANT,  # the demo's Bronze commander, who leads the engagement team
        "MP1007",
        "Central West BCU",
    ),
    DemoPerson(
        "silver",
        "Hana",
        "Kowalski",
        AccountKind.OFFICER,
        (Role.SILVER_COMMANDER,),
        Rank.CHIEF_INSPECTOR,
        "MP1008",
        "Central West BCU",
    ),
    DemoPerson(
        "investigator",
        "Ian",
        "Moore",
        AccountKind.OFFICER,
        (Role.INVESTIGATOR,),
        Rank.CONSTABLE,
        "MP1009",
        "Criminal Investigation",
    ),
    DemoPerson(
        "reviewer",
        "Jo",
        "Reyes",
        AccountKind.OFFICER,
        (Role.REVIEWER,),
        Rank.CHIEF_INSPECTOR,
        "MP1010",
        "Professional Standards",
    ),
    DemoPerson(
        "publisher",
        "Kai",
        "Lindqvist",
        AccountKind.STAFF,
        (Role.PUBLISHER,),
        command_unit="Media and Communications",
    ),
    DemoPerson(
        "oversight",
        "Leah",
        "Fairbanks",
        AccountKind.OVERSIGHT,
        (Role.OVERSIGHT,),
        organisation="Mayor's Office for Policing and Crime",
    ),
    DemoPerson(
        "admin",
        "Sam",
        "Ellis",
        AccountKind.STAFF,
        (Role.ADMINISTRATOR,),
        command_unit="Digital Policing",
    ),
)


@transaction.atomic
def seed_demo_accounts(*, password: str) -> list[User]:
    """Create or refresh every demo account; running twice changes nothing.

    Accounts and roles go through the audited account services (as the system), so the demo's
    ledger shows who was given which role, as a real force's would.
    """
    why = "Demo account (seed_demo)."
    users = []
    for person in DEMO_PEOPLE:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = services.create_account(
                by=None,
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                kind=person.kind,
                rank=person.rank,
                warrant_number=person.warrant_number,
                command_unit=person.command_unit,
                organisation=person.organisation,
                reasons=why,
            )
        elif not user.is_active:
            services.enable_account(by=None, officer=user, reasons=why)
        wanted, held = set(person.roles), user.roles
        for role in sorted(held - wanted):
            services.withdraw_role(by=None, officer=user, role=role, reasons=why)
        for role in sorted(wanted - held):
            services.grant_role(by=None, officer=user, role=role, reasons=why)
        user = User.objects.get(pk=user.pk)
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    return users


def seed(*, users: dict[str, User], stdout) -> None:
    """The authority app's demo data (found by seed_demo): an application in every state."""
    from authority.demo_applications import seed_demo_applications

    seed_demo_applications(users=users, stdout=stdout)
