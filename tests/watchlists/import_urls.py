"""The site's URLs with the import pages and API mounted as the lead will mount them, so these
tests run before config.urls includes them."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from config.urls import urlpatterns as site
from watchlists.api.imports import ImportJobViewSet, WatchlistImportView

router = SimpleRouter()
router.register("watchlist-imports", ImportJobViewSet, basename="watchlist-import")

urlpatterns = [
    path("watchlists/", include("watchlists.import_urls")),
    path(
        "api/v1/watchlists/<int:pk>/import/",
        WatchlistImportView.as_view(),
        name="watchlist-import-start",
    ),
    path("api/v1/", include(router.urls)),
    *site,
]
