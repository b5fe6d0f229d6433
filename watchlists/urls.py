from django.urls import include, path

from watchlists import views

app_name = "watchlists"
urlpatterns = [
    path("", views.watchlist_list, name="watchlist-list"),
    path("new/", views.watchlist_create, name="watchlist-create"),
    path("<int:pk>/", views.watchlist_detail, name="watchlist-detail"),
    path("<int:pk>/entries/new/", views.entry_add, name="entry-add"),
    path("<int:pk>/duplicates/", views.duplicates, name="duplicates"),
    path("<int:pk>/versions/", views.versions, name="versions"),
    path("<int:pk>/open-version/", views.version_open, name="open-version"),
    path("<int:pk>/sign-off/", views.sign_off, name="sign-off"),
    path("entries/<int:pk>/remove/", views.entry_remove, name="entry-remove"),
    path("entries/<int:pk>/image/", views.entry_image, name="entry-image"),
    path(
        "entries/<int:pk>/approve-justification/",
        views.entry_approve,
        name="entry-approve-justification",
    ),
    path("flags/<int:pk>/decide/", views.flag_decide, name="flag-decide"),
    # Subject access joins this namespace (watchlists:subject-access).
    path("", include("watchlists.subject_access_urls")),
]
