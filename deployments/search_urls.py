"""RFR search and OIFR check pages. No app_name: the deployments URLconf includes these inside
its own "deployments" namespace (deployments:search-list, deployments:check-create, ...)."""

from django.urls import path

from deployments import search_views as views

urlpatterns = [
    path("searches/", views.search_list, name="search-list"),
    path("searches/new/", views.search_create, name="search-create"),
    path("searches/<int:pk>/", views.search_detail, name="search-detail"),
    path("searches/<int:pk>/submit/", views.search_submit, name="search-submit"),
    path("searches/<int:pk>/decide/", views.search_decide, name="search-decide"),
    path("searches/<int:pk>/run/", views.search_run, name="search-run"),
    path("searches/<int:pk>/review/", views.search_review, name="search-review"),
    path("checks/", views.check_list, name="check-list"),
    path("checks/new/", views.check_create, name="check-create"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
]
