"""Reading a page's markup in tests: ids, references between elements, titles, links."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page(HTMLParser):
    ids: list[str] = field(default_factory=list)
    described_by: list[str] = field(default_factory=list)
    label_for: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    title: str = ""
    _in_title: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described_by.extend(attrs["aria-describedby"].split())
        if tag == "label" and attrs.get("for"):
            self.label_for.append(attrs["for"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data) -> None:
        if self._in_title:
            self.title += data


def parse(html: str | bytes) -> Page:
    page = Page()
    page.feed(html.decode() if isinstance(html, bytes) else html)
    return page


def broken_references(html: str | bytes) -> list[str]:
    """Every aria-describedby or label ``for`` naming an id the page does not have, and every
    id used twice."""
    page = parse(html)
    ids = set(page.ids)
    missing = [ref for ref in page.described_by + page.label_for if ref not in ids]
    duplicated = sorted({i for i in page.ids if page.ids.count(i) > 1})
    return missing + [f"duplicate id {i}" for i in duplicated]


def summary_links(html: str | bytes) -> list[str]:
    """The fragment links of the page's error summary, in order."""
    text = html.decode() if isinstance(html, bytes) else html
    start = text.find('class="govuk-error-summary"')
    if start < 0:
        return []
    end = text.find("</ul>", start)
    return [link for link in parse(text[start:end]).links if link.startswith("#")]
