from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from authority.models import User


@admin.register(User)
class OfficerAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "kind", "rank", "warrant_number", "command_unit"]
    list_filter = ["kind", "rank", "groups", "is_active"]
    search_fields = ["username", "first_name", "last_name", "warrant_number"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Police details",
            {"fields": ("kind", "rank", "warrant_number", "command_unit", "organisation")},
        ),
    )
