"""The watchlists app's routes on the one v1 router (config.api_urls registers each)."""

from watchlists.api.views import DuplicateFlagViewSet, WatchlistEntryViewSet, WatchlistViewSet

# (prefix, viewset, basename)
ROUTES = [
    ("watchlists", WatchlistViewSet, "watchlist"),
    ("watchlist-entries", WatchlistEntryViewSet, "watchlist-entry"),
    ("watchlist-flags", DuplicateFlagViewSet, "watchlist-flag"),
    # LEAD: after merging the import and subject-access API, add their routes here, e.g.
    #     ("watchlist-imports", ImportJobViewSet, "watchlist-import"),   # watchlists/api/imports.py
]
