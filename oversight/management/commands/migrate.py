"""Django's migrate, connected as the owner (DATABASE_OWNER_URL) when one is configured, and
followed by grant_app_role for DATABASE_URL's role: tables a migration creates get the
application's default privileges, and a ledger table must lose UPDATE and DELETE again."""

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS

from oversight.dbroles import application_role, as_owner, grant_app_role
from oversight.errors import AppRoleNotCreated, DatabaseRoleError


class Command(MigrateCommand):
    help = f"{MigrateCommand.help} Runs as DATABASE_OWNER_URL's role when it is set."

    def handle(self, *args, **options):
        if options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        role = application_role()  # before as_owner swaps the credentials
        with as_owner(DEFAULT_DB_ALIAS) as connection:
            super().handle(*args, **options)
            if not role or connection.vendor != "postgresql":
                return None
            try:
                report = grant_app_role(role=role, create=False)
            except AppRoleNotCreated:
                self.stdout.write(f"role {role} does not exist yet: run manage.py grant_app_role")
            except DatabaseRoleError as exc:
                raise CommandError(f"{exc.code}: {exc.detail}") from None
            else:
                if options["verbosity"]:
                    self.stdout.write(report.line())
        return None
