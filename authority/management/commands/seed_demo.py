import os
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from authority.demo import DEMO_PEOPLE, seed_demo_accounts

DEFAULT_DEMO_PASSWORD = "demo-password-2026"


class Command(BaseCommand):
    help = "Create demo accounts for every role (idempotent) and print their logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", default=os.environ.get("WA_DEMO_PASSWORD", ""))

    def handle(self, *args, password: str, **options) -> None:
        # An overridden settings object (tests) carries no module name: fall back to the env's.
        module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith(".production"):
            raise CommandError("seed_demo refuses to run with production settings")
        password = password or DEFAULT_DEMO_PASSWORD
        users = {u.username: u for u in seed_demo_accounts(password=password)}
        for extension in demo_extensions():
            extension(users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo accounts (all with the same password):"))
        self.stdout.write(f"  password: {password}")
        for person in DEMO_PEOPLE:
            roles = ", ".join(role.label for role in person.roles)
            self.stdout.write(
                f"  {person.username:<16} {users[person.username].display_name:<40} {roles}"
            )


def demo_extensions() -> list:
    """Each installed app's demo data, in the apps' order: a ``seed(users=..., stdout=...)`` in
    its ``demo`` module. Found through the app registry, so the authority app names no app
    above it."""
    extensions = []
    for app_config in apps.get_app_configs():
        try:
            module = import_module(f"{app_config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.demo":
                raise
            continue
        if callable(getattr(module, "seed", None)):
            extensions.append(module.seed)
    return extensions
