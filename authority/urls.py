from django.urls import path

from authority import views

app_name = "authority"
urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("new/", views.application_create, name="application-create"),
    path("<int:pk>/", views.application_detail, name="application-detail"),
    path("<int:pk>/edit/<slug:section>/", views.application_edit, name="application-edit"),
    path("<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("<int:pk>/decide/", views.application_decide, name="application-decide"),
    path("<int:pk>/wad/v<int:version>.pdf", views.wad_pdf, name="wad-pdf"),
    path("<int:pk>/<slug:action>/", views.application_action, name="application-action"),
]
