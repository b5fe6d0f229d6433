"""Register the hourly checkpoint with django-celery-beat (DatabaseScheduler)."""

from django.db import migrations

TASK_NAME = "oversight: sign a ledger checkpoint every hour"


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    alias = schema_editor.connection.alias
    every_hour, _ = IntervalSchedule.objects.using(alias).get_or_create(every=1, period="hours")
    PeriodicTask.objects.using(alias).update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "oversight.tasks.checkpoint_ledger",
            "interval": every_hour,
            "enabled": True,
            "description": "Sign the ledger's head (tree size and hash) if it moved since the last checkpoint.",
        },
    )


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_ledger"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]
    operations = [migrations.RunPython(register, unregister)]
