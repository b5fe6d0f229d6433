"""The watchlists app's routes on the one v1 router (config.api_urls registers each)."""

from watchlists.api.imports import ImportJobViewSet
from watchlists.api.views import DuplicateFlagViewSet, WatchlistEntryViewSet, WatchlistViewSet

# (prefix, viewset, basename)
ROUTES = [
    ("watchlists", WatchlistViewSet, "watchlist"),
    ("watchlist-entries", WatchlistEntryViewSet, "watchlist-entry"),
    ("watchlist-flags", DuplicateFlagViewSet, "watchlist-flag"),
    ("watchlist-imports", ImportJobViewSet, "watchlist-import"),
]
