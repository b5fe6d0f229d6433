"""Render the Written Authority Document (WAD) as a tagged PDF with WeasyPrint, offline."""

import hashlib
import logging

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError


class NoNetworkFetcher(URLFetcher):
    """Refuse every fetch: the WAD template is self-contained, and a document of record must
    never depend on (or leak to) a remote server."""

    def fetch(self, url, headers=None):
        raise URLFetchingError(f"network fetches are disabled for the WAD (refused {url[:80]})")


class WithoutHarfBuzzSubsetNotice(logging.Filter):
    """Drop WeasyPrint's notice that it subsets fonts with fontTools because the system's
    HarfBuzz is older than it would like: one line per document, nothing a person can act on,
    and the PDF is complete either way. Every other WeasyPrint warning still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in str(record.msg)


_weasyprint_logger = logging.getLogger("weasyprint")
if not any(isinstance(f, WithoutHarfBuzzSubsetNotice) for f in _weasyprint_logger.filters):
    _weasyprint_logger.addFilter(WithoutHarfBuzzSubsetNotice())


def render_wad_pdf(context: dict) -> bytes:
    """The WAD as a tagged PDF: headings, paragraphs, lists and tables carry their structure
    (a structure tree, /MarkInfo /Marked true), so a screen reader reads it in order; the
    document's language and title come from the template."""
    html = render_to_string("authority/wad.html", context)
    return HTML(string=html, url_fetcher=NoNetworkFetcher()).write_pdf(pdf_tags=True)


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
