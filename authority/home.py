"""The authority app's sections of each person's home page (config.home): applications that
need them now, with only the acts ``permitted_actions`` allows them."""

from django.db.models import Q
from django.urls import reverse

from authority import selectors
from authority.models import ApplicationStatus, Mode, User
from common.home import HomeSection, Link, WorkItem
from common.roles import Role

S = ApplicationStatus
OPEN = (S.DRAFT, S.RETURNED, S.SUBMITTED, S.URGENT_AUTHORISED, S.AUTHORISED)
LIMIT = 50  # items a section lists; the Applications page lists them all

DECIDE = frozenset({"authorise", "urgently_authorise", "refuse", "return"})
# act -> (label, url name, extra url argument)
ACT_LINKS = {
    "edit": ("Continue the draft", "authority:application-edit", "basics"),
    "submit": ("Submit", "authority:application-edit", "submit"),
    "decide": ("Decide", "authority:application-decide", None),
    "consult": ("Give the Chief Officer's view", "authority:application-action", "consult"),
    "ratify": ("Ratify", "authority:application-action", "ratify"),
    "review": ("Review", "authority:application-action", "review"),
    "renew": ("Renew", "authority:application-action", "renew"),
    "cancel": ("Cancel", "authority:application-action", "cancel"),
    "halt": ("Halt the engine", "authority:application-action", "halt"),
    "resume": ("Resume the engine", "authority:application-action", "resume"),
}


def _act_links(application, acts: frozenset[str], wanted: tuple[str, ...]) -> tuple[Link, ...]:
    if acts & DECIDE:
        acts = (acts - DECIDE) | {"decide"}
    links = []
    for act in wanted:
        if act not in acts:
            continue
        label, name, extra = ACT_LINKS[act]
        args = [application.pk] if extra is None else [application.pk, extra]
        links.append(Link(label, reverse(name, args=args)))
    return tuple(links)


def _item(application, acts: tuple[Link, ...] = (), detail: str = "") -> WorkItem:
    window = ""
    if application.start_at and application.end_at:
        window = f"{application.start_at:%d %b %Y %H:%M} to {application.end_at:%d %b %Y %H:%M}"
    return WorkItem(
        title=f"{application.reference} · {application.operation_name}",
        href=reverse("authority:application-detail", args=[application.pk]),
        status=application.get_status_display(),
        detail=detail or window,
        acts=acts,
    )


def _needing(user: User, queryset, wanted: tuple[str, ...]) -> list[WorkItem]:
    """The applications in ``queryset`` on which ``user`` may do one of ``wanted`` now."""
    items = []
    for application in queryset[: LIMIT * 2]:
        acts = _act_links(application, selectors.permitted_actions(user, application), wanted)
        if acts:
            items.append(_item(application, acts))
        if len(items) >= LIMIT:
            break
    return items


def _open_visible(user: User):
    return selectors.applications_visible_to(user).filter(status__in=OPEN).order_by("-updated_at")


def applicant_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.APPLICANT):
        return None
    own = _open_visible(user).filter(applicant=user)
    items = []
    for application in own[:LIMIT]:
        acts = _act_links(
            application, selectors.permitted_actions(user, application), ("edit", "submit")
        )
        detail = ""
        if application.status == S.SUBMITTED:
            detail = f"With {application.submitted_to.display_name} for a decision."
        elif application.status == S.RETURNED:
            detail = "Returned for amendment: read the reasons, change it and submit again."
        items.append(_item(application, acts, detail))
    return HomeSection(
        heading="Your applications",
        roles=frozenset({Role.APPLICANT}),
        intro="Draft an application to use facial recognition, section by section, and submit "
        "it to an authorising officer.",
        work=items,
        work_heading="Drafts, returned and open applications",
        empty="You have no open application.",
        next_steps=[
            Link(
                "Draft a new application",
                reverse("authority:application-create"),
                "Start with what and why; save each section as you go.",
            ),
            Link("All your applications", reverse("authority:application-list")),
        ],
    )


def authorising_officer_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.AUTHORISING_OFFICER):
        return None
    items = _needing(
        user, _open_visible(user), ("decide", "ratify", "review", "renew", "cancel", "resume")
    )
    return HomeSection(
        heading="Applications and authorities for you to decide",
        roles=frozenset({Role.AUTHORISING_OFFICER}),
        intro="Applications submitted to you, and the authorities you decided: review, renew "
        "or cancel them while they run.",
        work=items,
        work_heading="Needing your decision or action",
        empty="Nothing is waiting for your decision.",
        next_steps=[
            Link("Applications you can see", reverse("authority:application-list")),
            Link(
                "Equitability reports",
                reverse("engine:report-list"),
                "The lowest threshold each model may use.",
            ),
        ],
    )


def chief_officer_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.CHIEF_OFFICER):
        return None
    pending = _open_visible(user).filter(
        mode=Mode.LFR, status__in=(S.SUBMITTED, S.URGENT_AUTHORISED)
    )
    return HomeSection(
        heading="Live facial recognition for your view",
        roles=frozenset({Role.CHIEF_OFFICER}),
        intro="A Chief Officer is consulted on every live facial recognition application and "
        "may note it, require mitigation or veto it.",
        work=_needing(user, pending, ("consult",)),
        work_heading="Waiting for your view",
        empty="No live facial recognition application is waiting for your view.",
        next_steps=[
            Link("All applications", reverse("authority:application-list")),
            Link("Equitability reports", reverse("engine:report-list")),
        ],
    )


def command_section(user: User) -> HomeSection | None:
    """Operations naming the person as Gold, Silver or Bronze commander; the Silver commander
    may halt or resume the engine."""
    named = _open_visible(user).filter(
        Q(gold_commander=user) | Q(silver_commander=user) | Q(bronze_commander=user)
    )
    if not user.has_role(Role.SILVER_COMMANDER) and not named.exists():
        return None
    items = []
    for application in named[:LIMIT]:
        command = [
            label
            for label, pk in (
                ("Gold", application.gold_commander_id),
                ("Silver", application.silver_commander_id),
                ("Bronze", application.bronze_commander_id),
            )
            if pk == user.pk
        ]
        acts = _act_links(
            application, selectors.permitted_actions(user, application), ("halt", "resume")
        )
        detail = f"You are the {' and '.join(command)} commander."
        if application.halted_at:
            detail += " The engine is halted."
        items.append(_item(application, acts, detail))
    roles = (
        frozenset({Role.SILVER_COMMANDER}) if user.has_role(Role.SILVER_COMMANDER) else frozenset()
    )
    return HomeSection(
        heading="Operations you command",
        roles=roles,
        intro="Authorities that name you in their command. The Silver commander may halt the "
        "engine at any time (the next frame is refused) and resume it.",
        work=items,
        work_heading="Submitted and live operations naming you",
        empty="No submitted or live authority names you as a commander.",
        next_steps=[Link("Applications you can see", reverse("authority:application-list"))],
    )


def administrator_section(user: User) -> HomeSection | None:
    if not user.has_role(Role.ADMINISTRATOR):
        return None
    disabled = User.objects.filter(is_active=False).count()
    no_role = User.objects.filter(is_active=True, groups=None).count()
    return HomeSection(
        heading="Accounts and roles",
        roles=frozenset({Role.ADMINISTRATOR}),
        intro="Roles, ranks and account status change only through the Accounts pages, each "
        "change on the ledger with your name and reasons. Nobody changes their own account.",
        work=[
            item
            for count, item in (
                (
                    no_role,
                    WorkItem(
                        f"{no_role} active account{'s' if no_role != 1 else ''} with no role",
                        reverse("accounts:account-list"),
                        detail="Grant each the role its work needs.",
                    ),
                ),
                (
                    disabled,
                    WorkItem(
                        f"{disabled} disabled account{'s' if disabled != 1 else ''}",
                        reverse("accounts:account-list"),
                        detail="Enable one again if its holder returns.",
                    ),
                ),
            )
            if count
        ],
        work_heading="Accounts to look at",
        empty="Every active account holds a role, and none is disabled.",
        next_steps=[
            Link("Create an account", reverse("accounts:account-create")),
            Link("All accounts", reverse("accounts:account-list")),
            Link("Equitability reports", reverse("engine:report-list")),
        ],
    )


HOME_SECTIONS = [
    applicant_section,
    authorising_officer_section,
    chief_officer_section,
    command_section,
    administrator_section,
]
