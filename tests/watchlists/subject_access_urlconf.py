"""The platform's URLs with the subject access pages and API mounted as the lead wires them
(config/urls.py and config/api_urls.py), for the tests until they are."""

from django.urls import include, path

from config.urls import urlpatterns as platform
from watchlists.api.subject_access import SubjectAccessView

urlpatterns = [
    path("watchlists/", include(("watchlists.subject_access_urls", "watchlists"))),
    path("api/v1/subject-access/", SubjectAccessView.as_view(), name="api-subject-access"),
    *platform,
]
