from django.urls import path

from deployments import views

app_name = "deployments"
urlpatterns = [
    path("", views.deployment_list, name="deployment-list"),
    path("plan/", views.deployment_plan, name="deployment-plan"),
    path("<int:pk>/", views.deployment_detail, name="deployment-detail"),
    *(
        path(
            f"<int:pk>/{command}/",
            views.deployment_command,
            {"command": command},
            name=f"deployment-{command}",
        )
        for command in views.COMMANDS
    ),
    path("<int:pk>/halt/", views.deployment_halt, name="deployment-halt"),
    path("<int:pk>/cameras/", views.camera_register, name="camera-register"),
    path("<int:pk>/counters.json", views.counters_json, name="counters"),
    path("<int:pk>/alerts/", views.alert_queue, name="alert-queue"),
    path("<int:pk>/alerts.json", views.alerts_json, name="alerts-json"),
    path("<int:pk>/engagements/", views.engagements, name="engagements"),
    path("alerts/<int:pk>/adjudicate/", views.alert_adjudicate, name="alert-adjudicate"),
    path("alerts/<int:pk>/engage/", views.alert_engage, name="alert-engage"),
    path("alerts/<int:pk>/crop/", views.alert_crop, name="alert-crop"),
    path("alerts/<int:pk>/entry-image/", views.alert_entry_image, name="alert-entry-image"),
]
