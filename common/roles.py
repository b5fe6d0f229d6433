"""The role names, and the one place that turns each app's grants into groups.

Every role is a Django group named by its stable code. Each app declares what its roles may do
in ``<app>/roles.py`` as ``ROLE_PERMISSIONS = {Role.X: ["app_label.codename", ...]}``; after
every migrate the groups are set to exactly those permissions (least privilege: anything not
granted is removed).
"""

from collections import defaultdict
from importlib import import_module

from django.db import models


class Role(models.TextChoices):
    APPLICANT = "applicant_officer", "Applicant officer"
    AUTHORISING_OFFICER = "authorising_officer", "Authorising officer"
    CHIEF_OFFICER = "chief_officer", "Chief officer"
    WATCHLIST_OFFICER = "watchlist_officer", "Watchlist officer"
    LFR_OPERATOR = "lfr_operator", "LFR operator"
    ENGAGEMENT_OFFICER = "engagement_officer", "Engagement officer"
    SILVER_COMMANDER = "silver_commander", "Silver commander"
    INVESTIGATOR = "investigator", "Investigator (RFR)"
    REVIEWER = "reviewer", "Reviewer"
    PUBLISHER = "publisher", "Publisher"
    OVERSIGHT = "oversight", "Oversight (read only)"
    ADMINISTRATOR = "administrator", "Administrator"


def collect_role_permissions(app_configs) -> dict[str, set[str]]:
    """Merge the ROLE_PERMISSIONS of every installed app that declares them."""
    grants: dict[str, set[str]] = defaultdict(set)
    for app_config in app_configs:
        try:
            module = import_module(f"{app_config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.roles":
                raise
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            grants[str(role)].update(perms)
    return grants


def sync_role_groups(*, using: str = "default") -> None:
    """Create every role's group and give it exactly the permissions granted to it."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    grants = collect_role_permissions(apps.get_app_configs())
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = grants.get(role.value, set())
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            # A grant may name a permission whose app is not migrated yet; it is set next time.
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
