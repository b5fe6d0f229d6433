from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Check that the database and (unless tasks run in-process) the broker are reachable."

    def handle(self, *args, **options) -> None:
        connection.ensure_connection()
        self.stdout.write(f"database: {connection.vendor} ({connection.settings_dict['NAME']}) ok")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("broker: none, tasks run in-process")
            return
        from config.celery import app

        # Raises kombu's OperationalError when unreachable; manage.py turns it into one line.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        self.stdout.write(f"broker: {conn.as_uri()} ok")
