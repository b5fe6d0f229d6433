"""Django admin reads accounts; it changes none.

Who may do what is changed only through the audited account services (the Accounts pages and
the API), so every grant is on the ledger. The admin can therefore grant no superuser, change no
group or permission and set nobody's password, whoever is signed in to it.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from authority.models import User


class ReadOnlyAdmin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class OfficerAdmin(ReadOnlyAdmin, UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "kind", "rank", "warrant_number", "command_unit"]
    list_filter = ["kind", "rank", "groups", "is_active"]
    search_fields = ["username", "first_name", "last_name", "warrant_number"]
    fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        (
            "Police details",
            {"fields": ("kind", "rank", "warrant_number", "command_unit", "organisation")},
        ),
        ("Access", {"fields": ("is_active", "groups", "last_login", "date_joined")}),
    )

    def get_urls(self):
        # No password form at all: a person sets their own password, never an administrator.
        return [u for u in super().get_urls() if "password" not in str(u.pattern)]

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's revert form saves a POST for anyone who may merely view history.
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    pass
