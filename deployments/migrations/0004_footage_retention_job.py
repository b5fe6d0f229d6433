"""The camera-footage retention job (DOMAIN: camera footage at most 31 days), registered with
django-celery-beat as 0002 registers the alert-image one: hourly."""

from django.db import migrations

NAME = "deployments: delete camera footage past retention, every hour"
TASK = "deployments.tasks.delete_expired_footage_task"
DESCRIPTION = (
    "Delete every recorded video file stored WA_FOOTAGE_RETENTION_DAYS ago or more (its job "
    "stopped if it never finished); attested on the ledger (deployment.footage_deleted)."
)


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    alias = schema_editor.connection.alias
    every, _ = IntervalSchedule.objects.using(alias).get_or_create(every=1, period="hours")
    PeriodicTask.objects.using(alias).update_or_create(
        name=NAME,
        defaults={"task": TASK, "interval": every, "enabled": True, "description": DESCRIPTION},
    )


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("deployments", "0003_merge_video_and_searches")]

    operations = [migrations.RunPython(register, unregister)]
