"""The public PDF reports: one per published deployment, one per year, from the published
records alone (WeasyPrint, tagged, no network fetches)."""

from django.template.loader import render_to_string
from weasyprint import HTML

from authority.documents import NoNetworkFetcher
from reviews.public import COLUMNS


def render_deployment_pdf(record: dict) -> bytes:
    html = render_to_string(
        "reviews/public/deployment_pdf.html", {"record": record, "columns": _labelled(record)}
    )
    return HTML(string=html, url_fetcher=NoNetworkFetcher()).write_pdf(pdf_tags=True)


def render_year_pdf(year: int, records: list[dict], totals: dict) -> bytes:
    html = render_to_string(
        "reviews/public/year_pdf.html",
        {"year": year, "records": records, "totals": totals, "columns": COLUMNS},
    )
    return HTML(string=html, url_fetcher=NoNetworkFetcher()).write_pdf(pdf_tags=True)


def _labelled(record: dict) -> list[tuple[str, object]]:
    return [(heading, record.get(key, "")) for key, heading, _ in COLUMNS]
