"""The public transparency site (no sign-in): only published records, cached, invalidated at
each publication (``reviews.public_cache``).

``/transparency/`` announces planned deployments, lists past ones with their figures, totals
by month and year (with SVG charts and tables), RFR searches and OIFR checks per month, the
force's watchlist categories and deployment criteria, and the model in use with its
equitability report. Open data: ``deployments.csv`` and ``deployments.json`` (same columns,
the schema in the JSON and in docs/reviews.md), a PDF per deployment and per year.
"""

import csv
import hashlib
import io
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from reviews import transparency
from reviews.charts import bar_chart
from reviews.public import COLUMNS
from reviews.public_cache import cached
from reviews.public_documents import render_year_pdf


def _public(view):
    """Safe methods only, and a public Cache-Control for WA_TRANSPARENCY_CACHE_SECONDS (the
    middleware keeps it only for anonymous readers)."""

    @wraps(view)
    def public_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=settings.WA_TRANSPARENCY_CACHE_SECONDS)
        return response

    return require_safe(public_view)


def _index_body() -> str:
    """The page's content, the same for every reader (so it is cached): the layout around it
    is rendered per request, never cached, as it shows who is signed in."""
    records = transparency.published()
    months = transparency.totals(records, by="month")
    years = transparency.totals(records, by="year")
    context = {
        "announced": transparency.announced(),
        "records": records,
        "columns": COLUMNS,
        "months": months,
        "years": years,
        "faces_chart": bar_chart(
            values=[(t.period, t.faces_processed) for t in months],
            chart_id="faces-by-month",
            title="Faces processed by month",
        ),
        "alerts_chart": bar_chart(
            values=[(t.period, t.alerts) for t in months],
            chart_id="alerts-by-month",
            title="Alerts by month",
        ),
        "searches": transparency.searches_per_month(),
        "criteria": transparency.criteria(),
        "model": transparency.model_in_use(),
    }
    return render_to_string("reviews/public/_index_body.html", context)


@_public
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/public/index.html", {"body": cached("index", _index_body)})


@_public
def deployment_page(request: HttpRequest, reference: str) -> HttpResponse:
    publication = transparency.published_record(reference)
    if publication is None:
        raise Http404("No published deployment has this reference.")
    return render(
        request,
        "reviews/public/deployment.html",
        {"record": publication.record, "columns": COLUMNS, "pdf_sha256": publication.pdf_sha256},
    )


@_public
def deployment_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    publication = transparency.published_record(reference)
    if publication is None:
        raise Http404("No published deployment has this reference.")
    response = HttpResponse(bytes(publication.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{publication.reference}.pdf"'
    response["X-Content-SHA256"] = publication.pdf_sha256
    return response


def _year(records: list[dict], year: int) -> tuple[list[dict], dict]:
    mine = [r for r in records if r["date"].startswith(f"{year:04d}")]
    totals = transparency.totals(mine, by="year")
    return mine, (totals[0].as_dict() | {"deployments": totals[0].deployments} if totals else {})


@_public
def year_pdf(request: HttpRequest, year: int) -> HttpResponse:
    def render() -> bytes:  # the records are read only when the cache has no PDF
        records, totals = _year(transparency.published(), year)
        return render_year_pdf(year, records, totals) if records else b""

    content = cached(f"year-{year}.pdf", render)
    if not content:
        raise Http404("Nothing is published for this year.")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="lfr-{year}.pdf"'
    response["X-Content-SHA256"] = hashlib.sha256(content).hexdigest()
    return response


def _csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([key for key, _, _ in COLUMNS])
    for record in reversed(transparency.published()):
        writer.writerow(record["row"])
    return out.getvalue()


@_public
def deployments_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(cached("csv", _csv), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deployments.csv"'
    return response


def _json() -> dict:
    keys = [key for key, _, _ in COLUMNS]
    return {
        "schema": transparency.schema(),
        "deployments": [
            {key: record.get(key, "") for key in keys}
            for record in reversed(transparency.published())
        ],
    }


@_public
def deployments_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(cached("json", _json), json_dumps_params={"ensure_ascii": False})
