"""PostgreSQL: one function that takes the append lock and reads the head (see schema).

CREATE OR REPLACE: a database migrated from scratch already has it from 0001.
"""

from django.db import migrations


def create_function(apps, schema_editor):
    from oversight.schema import LOCKED_HEAD_FUNCTION

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOCKED_HEAD_FUNCTION, params=None)


def drop_function(apps, schema_editor):
    from oversight.schema import DROP_LOCKED_HEAD_FUNCTION

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_LOCKED_HEAD_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("oversight", "0002_hourly_checkpoint")]

    operations = [migrations.RunPython(create_function, drop_function)]
