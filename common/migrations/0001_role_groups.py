"""Create one group per role. Their permissions are set after migrate (common.roles)."""

from django.db import migrations

ROLE_CODES = [
    "applicant_officer",
    "authorising_officer",
    "chief_officer",
    "watchlist_officer",
    "lfr_operator",
    "engagement_officer",
    "silver_commander",
    "investigator",
    "reviewer",
    "publisher",
    "oversight",
    "administrator",
]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for code in ROLE_CODES:
        Group.objects.using(schema_editor.connection.alias).get_or_create(name=code)


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
