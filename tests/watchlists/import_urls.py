"""The site's URLs with the import pages and API mounted as the lead will mount them (inside
the watchlists namespace; the API beside the watchlists router), so these tests run before
config.urls and config.api_urls include them."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from config.urls import urlpatterns as site
from watchlists import import_urls
from watchlists import urls as watchlist_urls
from watchlists.api.imports import ImportJobViewSet, WatchlistImportView

router = SimpleRouter()
router.register("watchlist-imports", ImportJobViewSet, basename="watchlist-import")

urlpatterns = [
    path(
        "watchlists/",
        include(([*watchlist_urls.urlpatterns, *import_urls.urlpatterns], "watchlists")),
    ),
    path(
        "api/v1/watchlists/<int:pk>/import/",
        WatchlistImportView.as_view(),
        name="watchlist-import-start",
    ),
    path("api/v1/", include(router.urls)),
    *(p for p in site if str(p.pattern) != "watchlists/"),
]
