"""The public pages read in order for a screen reader and work from the keyboard (WCAG 2.2
AA): one h1, no skipped heading level, every table captioned with scoped headers, every chart
named by its title and description, every reference to an id resolving, a wide table's
scroll region focusable."""

import re
from html.parser import HTMLParser

import pytest

from tests.html import broken_references
from tests.reviews.test_publication import approved, published, publisher  # noqa: F401

pytestmark = pytest.mark.django_db


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.ids: set[str] = set()
        self.labelled_by: list[str] = []
        self.tables = 0
        self.captions = 0
        self.unscoped: list[str] = []
        self.regions: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if attrs.get("aria-labelledby"):
            self.labelled_by.extend(attrs["aria-labelledby"].split())
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "th" and "scope" not in attrs:
            self.unscoped.append(str(attrs))
        if attrs.get("role") == "region":
            self.regions.append(attrs)


def structure(html: str) -> Structure:
    page = Structure()
    page.feed(html)
    return page


def test_the_public_pages_read_in_order(client, published):  # noqa: F811
    for url in ("/transparency/", f"/transparency/deployments/{published.reference}/"):
        html = client.get(url).content.decode()
        page = structure(html)
        assert page.headings.count(1) == 1, url
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, (url, page.headings)
        assert page.tables and page.captions == page.tables, url
        assert page.unscoped == [], url
        assert set(page.labelled_by) <= page.ids, url
        assert broken_references(html) == [], url
        for region in page.regions:
            assert region.get("tabindex") == "0" and region.get("aria-labelledby")


def test_the_charts_name_themselves_and_their_figures_are_in_a_table(client, published):  # noqa: F811
    html = client.get("/transparency/").content.decode()
    assert html.count('role="img"') == 2
    assert '<title id="faces-by-month-title">Faces processed by month</title>' in html
    assert f"{published.record['date'][:7]}: 12120" in html  # the description
    assert "By month" in html  # the table with the same figures
