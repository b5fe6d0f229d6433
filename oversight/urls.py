from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path(
        "objects/<str:app_label>/<str:model_name>/<path:object_id>/",
        views.object_history,
        name="object-history",
    ),
    path("registers/urgent-authorities/", views.urgent_register, name="urgent-register"),
    path("registers/compliance-exceptions/", views.compliance_register, name="compliance-register"),
    path(
        "registers/refused-engine-calls/",
        views.refused_engine_register,
        name="refused-engine-register",
    ),
    path("registers/role-holdings/", views.role_register, name="role-register"),
    path("verify/", views.verify, name="verify"),
    path("checkpoint.json", views.checkpoint_document, name="checkpoint"),
    path("exports/", views.exports, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]
