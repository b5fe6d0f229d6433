"""N clients for S seconds against a running server, over staff pages, the API and the public
site; requests per second and p50/p95/p99 per page group (see ``deployments.scale``; the
public transparency pages are ``reviews.scale``'s, so the command lives in ``reviews``).

    python manage.py load_test --url http://127.0.0.1:8000 [--clients 50] [--seconds 60]

Run it with the server's own settings and database (it signs the clients in by writing their
sessions and tokens there), after ``seed_scale``. Loopback only: it refuses another host.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from authority.models import Application
from deployments.models import Deployment
from deployments.scale import credentials_for, page_groups, run_load, summary_lines
from reviews.scale import public_page_groups

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Command(BaseCommand):
    help = "Load a running server with concurrent clients and report latency per page group."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=60.0)
        parser.add_argument(
            "--warmup",
            type=float,
            default=10.0,
            help="seconds of the same load first, not counted (each worker's first requests "
            "import the views and the engine)",
        )
        parser.add_argument("--json", dest="json_out", type=Path)

    def handle(self, *args, url, clients, seconds, warmup, json_out, **options):
        if urlsplit(url).hostname not in LOOPBACK:
            raise CommandError("load_test runs against this machine only (a loopback URL).")
        if not (1 <= clients <= 500) or not (1 <= seconds <= 600):
            raise CommandError("Between 1 and 500 clients, for 1 to 600 seconds.")
        groups = (
            page_groups(
                list(Deployment.objects.order_by("pk").values_list("pk", flat=True)),
                list(Application.objects.order_by("pk").values_list("pk", flat=True)),
            )
            + public_page_groups()
        )
        load = {
            "base_url": url.rstrip("/"),
            "groups": groups,
            "credentials": credentials_for(groups),
            "clients": clients,
        }
        if warmup > 0:
            run_load(**load, seconds=warmup)
        figures = run_load(**load, seconds=seconds)
        for line in summary_lines(figures):
            self.stdout.write(line)
        if json_out is not None:
            json_out.write_text(
                json.dumps(
                    {
                        "seconds": figures.seconds,
                        "clients": figures.clients,
                        "latencies_ms": {
                            k: [round(v * 1000, 2) for v in vs]
                            for k, vs in figures.by_group.items()
                        },
                        "errors": figures.errors,
                    },
                )
            )
