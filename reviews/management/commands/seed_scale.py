"""Fill an empty PostgreSQL database with years of a force's records, for ``load_test``.

    python manage.py seed_scale [--applications 10000] [--deployments 1000]
                                [--ledger-entries 1000000] [--password PW]

Refuses a database that already holds a ledger or applications (see ``deployments.scale``).
Every completed deployment then gets an approved review and published results
(``reviews.scale``), so the public site has years of records to serve. The command lives in
``reviews``, the one layer that may import both.
"""

import os
import secrets
import time

from django.core.management.base import BaseCommand, CommandError

from authority.models import User
from deployments.scale import seed_scale
from reviews.scale import seed_publications

# The demo accounts (seed_scale makes them) who review, approve and publish.
PUBLISHING = ("reviewer", "superintendent", "publisher")


class Command(BaseCommand):
    help = "Fill an empty database with 10,000 applications, 1,000 deployments, 10^6 entries."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=10_000)
        parser.add_argument("--deployments", type=int, default=1_000)
        parser.add_argument("--ledger-entries", type=int, default=1_000_000)
        parser.add_argument(
            "--password",
            default=os.environ.get("WA_SCALE_PASSWORD", ""),
            help="the demo officers' password (default: WA_SCALE_PASSWORD, else random)",
        )

    def handle(self, *args, applications, deployments, ledger_entries, password, **options):
        if min(applications, deployments, ledger_entries) < 1:
            raise CommandError("Every count is at least 1.")
        try:
            figures = seed_scale(
                applications=applications,
                deployments=deployments,
                ledger_entries=ledger_entries,
                password=password or secrets.token_urlsafe(18),
                say=self.stderr.write,
            )
        except (RuntimeError, ValueError) as error:
            raise CommandError(str(error)) from error
        started = time.perf_counter()
        users = {u.username: u for u in User.objects.filter(username__in=PUBLISHING)}
        published = seed_publications(users=users, say=self.stderr.write)
        figures.seconds["publications"] = time.perf_counter() - started
        self.stdout.write(
            f"{figures.applications:,} applications, {figures.deployments:,} deployments, "
            f"{figures.ledger_entries:,} ledger entries, {published:,} published; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in figures.seconds.items())
        )
