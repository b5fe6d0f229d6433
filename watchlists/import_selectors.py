"""Reads for bulk imports, filtered by what the reader may see.

A watchlist officer may start an import into, and read the imports of, any watchlist (for now:
a list is not yet shared per officer); nobody else sees them.
"""

from django.db.models import QuerySet

from authority.models import User
from common.roles import Role
from watchlists.models import ImportJob, Watchlist


def may_import(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.has_perm("watchlists.compose_watchlist")
        and user.has_perm("watchlists.view_importjob")
        and user.has_role(Role.WATCHLIST_OFFICER)
    )


def watchlists_open_to_import(user: User) -> QuerySet[Watchlist]:
    if not may_import(user):
        return Watchlist.objects.none()
    return Watchlist.objects.select_related("authority")


def imports_visible_to(user: User) -> QuerySet[ImportJob]:
    if not may_import(user):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("watchlist", "created_by")
