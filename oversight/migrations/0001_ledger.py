"""The ledger's tables and append-only triggers (unmanaged models: the SQL is oversight.schema).

flush skips unmanaged models, so tests and `manage.py flush` never empty the ledger; UPDATE and
DELETE are refused by triggers on both SQLite and PostgreSQL.
"""

from django.db import migrations, models


def create_ledger_tables(apps, schema_editor):
    from oversight.schema import create_statements

    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_ledger_tables(apps, schema_editor):
    """Unapplying drops the tables only while the ledger is empty: a migration never erases it."""
    from oversight.schema import DROP

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM oversight_ledger_entry")
        held = cursor.fetchone()[0]
    if held:
        raise RuntimeError(f"the ledger holds {held} entries; a migration never drops it")
    for statement in DROP[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="LedgerCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tree_size", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("signed_at", models.CharField(max_length=27, verbose_name="signed at (UTC)")),
                ("key_id", models.CharField(max_length=16)),
                (
                    "public_key",
                    models.CharField(help_text="Raw Ed25519 public key, base64.", max_length=64),
                ),
                ("signature", models.CharField(help_text="Base64.", max_length=128)),
            ],
            options={
                "verbose_name": "ledger checkpoint",
                "db_table": "oversight_ledger_checkpoint",
                "ordering": ["tree_size", "id"],
                "managed": False,
                "default_permissions": ("view",),
            },
        ),
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "seq",
                    models.BigIntegerField(
                        primary_key=True, serialize=False, verbose_name="sequence number"
                    ),
                ),
                ("recorded_at", models.CharField(max_length=27, verbose_name="time (UTC)")),
                ("role", models.CharField(max_length=200)),
                ("action", models.CharField(max_length=100)),
                ("object_type", models.CharField(max_length=100)),
                ("object_id", models.CharField(max_length=64)),
                ("payload", models.TextField(help_text="Canonical JSON, exactly as hashed.")),
                ("prev_hash", models.CharField(max_length=64)),
                ("entry_hash", models.CharField(max_length=64, unique=True)),
            ],
            options={
                "verbose_name": "ledger entry",
                "verbose_name_plural": "ledger entries",
                "db_table": "oversight_ledger_entry",
                "ordering": ["seq"],
                "permissions": [
                    ("inspect_ledger", "Can inspect the ledger and verify its integrity")
                ],
                "managed": False,
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(create_ledger_tables, drop_ledger_tables),
    ]
