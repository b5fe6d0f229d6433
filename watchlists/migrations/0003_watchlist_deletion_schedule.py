"""Register the hourly retention jobs with django-celery-beat (DatabaseScheduler): deleting a
watchlist's data after its deployment (DOMAIN: within 24 hours of its end), and taking out of
search a reference image whose retention review is overdue."""

from django.db import migrations

TASKS = {
    "watchlists: delete watchlist data after deployment, every hour": (
        "watchlists.deletion_tasks.delete_due_watchlist_data",
        "Delete the templates, images and restricted details of every watchlist whose "
        "deployment ended (plus WA_WATCHLIST_DELETE_AFTER_HOURS) or whose authority ended.",
    ),
    "watchlists: take overdue reference images out of search, every hour": (
        "watchlists.deletion_tasks.remove_overdue_reference_images",
        "Remove from its gallery every reference image whose retention review date has passed "
        "without a review.",
    ),
}


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    alias = schema_editor.connection.alias
    every_hour, _ = IntervalSchedule.objects.using(alias).get_or_create(every=1, period="hours")
    for name, (task, description) in TASKS.items():
        PeriodicTask.objects.using(alias).update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": every_hour,
                "enabled": True,
                "description": description,
            },
        )


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(schema_editor.connection.alias).filter(name__in=TASKS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("watchlists", "0002_move_galleries_from_engine"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]
    operations = [migrations.RunPython(register, unregister)]
