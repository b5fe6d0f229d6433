"""An index on the run id in entries' payloads (see schema.RUN_INDEX): a deployment's figures
are recomputed from its run's entries without reading the whole ledger. IF NOT EXISTS: a
database migrated from scratch already has it from 0001."""

from django.db import migrations


def create_index(apps, schema_editor):
    from oversight.schema import RUN_INDEX

    schema_editor.execute(RUN_INDEX[schema_editor.connection.vendor], params=None)


def drop_index(apps, schema_editor):
    from oversight.schema import DROP_RUN_INDEX

    schema_editor.execute(DROP_RUN_INDEX, params=None)


class Migration(migrations.Migration):
    dependencies = [("oversight", "0003_locked_head")]

    operations = [migrations.RunPython(create_index, drop_index)]
