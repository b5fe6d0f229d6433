from django.urls import path

from authority import account_views

app_name = "accounts"
urlpatterns = [
    path("", account_views.account_list, name="account-list"),
    path("new/", account_views.account_create, name="account-create"),
    path("<int:pk>/", account_views.account_detail, name="account-detail"),
    path("<int:pk>/<slug:action>/", account_views.account_action, name="account-action"),
]
