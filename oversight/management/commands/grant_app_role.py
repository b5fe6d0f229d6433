"""Create or update the application's restricted PostgreSQL role, as the owner.

    DATABASE_OWNER_URL=postgres://owner@host/db DATABASE_URL=postgres://wa_app:secret@host/db \\
        python manage.py grant_app_role

The role is DATABASE_URL's user (or --role), its password DATABASE_URL's (or the environment
variable --password-env names). Idempotent: run it again after any change; migrate does.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oversight.dbroles import application_role, grant_app_role
from oversight.errors import DatabaseRoleError


class Command(BaseCommand):
    help = (
        "As the owner, create or update the application's PostgreSQL role: SELECT and INSERT "
        "only on the ledger, the usual DML elsewhere, no ownership."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", default="", help="the role to grant (default: DATABASE_URL's user)"
        )
        parser.add_argument(
            "--password-env",
            default="",
            help="an environment variable holding the role's password (default: DATABASE_URL's "
            "password when --role is DATABASE_URL's user; none otherwise)",
        )
        parser.add_argument(
            "--no-create", action="store_true", help="refuse if the role does not exist yet"
        )

    def handle(self, *args, role: str, password_env: str, no_create: bool, **options):
        role = role or application_role()
        if not role:
            raise CommandError(
                "name the application's role: --role wa_app, or set DATABASE_OWNER_URL to the "
                "owner and DATABASE_URL to the application's role"
            )
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"--password-env {password_env}: that variable is empty")
        elif role == application_role():
            password = settings.DATABASES["default"].get("PASSWORD") or None
        else:
            password = None
        try:
            report = grant_app_role(role=role, password=password, create=not no_create)
        except DatabaseRoleError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None
        self.stdout.write(report.line())
