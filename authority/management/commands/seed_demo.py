import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from authority.demo import DEMO_PEOPLE, seed_demo_accounts

DEFAULT_DEMO_PASSWORD = "demo-password-2026"


class Command(BaseCommand):
    help = "Create demo accounts for every role (idempotent) and print their logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", default=os.environ.get("WA_DEMO_PASSWORD", ""))

    def handle(self, *args, password: str, **options) -> None:
        if settings.SETTINGS_MODULE.endswith(".production"):
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
    """Demo data from later capabilities, each a callable(users=..., stdout=...)."""
    from authority.demo_applications import seed_demo_applications

    return [seed_demo_applications]
