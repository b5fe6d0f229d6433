"""Render the Written Authority Document (WAD) as a PDF with WeasyPrint, offline."""

import hashlib

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError


class NoNetworkFetcher(URLFetcher):
    """Refuse every fetch: the WAD template is self-contained, and a document of record must
    never depend on (or leak to) a remote server."""

    def fetch(self, url, headers=None):
        raise URLFetchingError(f"network fetches are disabled for the WAD (refused {url[:80]})")


def render_wad_pdf(context: dict) -> bytes:
    html = render_to_string("authority/wad.html", context)
    return HTML(string=html, url_fetcher=NoNetworkFetcher()).write_pdf()


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
