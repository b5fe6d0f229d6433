"""Reads for bulk imports, filtered by what the reader may see.

A watchlist officer may start an import into, and read the imports of, any watchlist they can
see (``selectors.watchlists_visible_to``: every list, for now); nobody else sees an import.
"""

from django.db.models import QuerySet

from authority.models import User
from watchlists.models import ImportJob, Watchlist
from watchlists.selectors import may_compose, watchlists_visible_to


def may_import(user: User) -> bool:
    return bool(
        user.is_authenticated and may_compose(user) and user.has_perm("watchlists.view_importjob")
    )


def watchlists_open_to_import(user: User) -> QuerySet[Watchlist]:
    if not may_import(user):
        return Watchlist.objects.none()
    return watchlists_visible_to(user)


def imports_visible_to(user: User) -> QuerySet[ImportJob]:
    if not may_import(user):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(
        watchlist__in=watchlists_visible_to(user).values("pk")
    ).select_related("watchlist", "created_by")
