"""Bulk import pages, included under /watchlists/ in the ``watchlists`` namespace."""

from django.urls import path

from watchlists import import_views

app_name = "watchlists"
urlpatterns = [
    path("<int:pk>/import/", import_views.import_start, name="import-start"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress.json", import_views.import_progress, name="import-progress"),
]
