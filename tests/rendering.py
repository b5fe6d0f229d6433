"""Lay a staff page out as a browser would, offline, to check where things land.

WeasyPrint is already the platform's CSS layout engine (it renders the WAD); here it lays out
a page from the test client with the site's own style sheets, and answers the boxes of the
elements a test asks about. It is a paged-media engine: width media queries do not apply, so
the page is laid out with GOV.UK Frontend's narrow-screen styles; what a test checks (one box
inside another) holds at every width. Skipped when GOV.UK Frontend's styles have not been
fetched (``make install`` fetches them).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

WIDTH_PX = 1280
PAGE_CSS = f"@page {{ size: {WIDTH_PX}px 100000px; margin: 0 }}"


@dataclass(frozen=True)
class Box:
    top: float
    bottom: float
    left: float
    right: float


def _static_root() -> Path:
    root = Path(settings.STATICFILES_DIRS[0])
    if not (root / "vendor" / "govuk" / "govuk-frontend.min.css").is_file():
        pytest.skip("GOV.UK Frontend styles not fetched (make install fetches them)")
    return root


def layout(html: str):
    """The laid-out page: a list of WeasyPrint boxes with their elements."""
    from weasyprint import CSS, HTML

    root = _static_root()
    html = html.replace('href="/static/', f'href="{root.as_uri()}/')
    quiet = logging.getLogger("weasyprint")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # it narrates every browser-only rule it skips
    try:
        document = HTML(string=html, base_url=str(root)).render(stylesheets=[CSS(string=PAGE_CSS)])
    finally:
        quiet.setLevel(level)
    page = document.pages[0]._page_box
    return list(_walk(page))


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def boxes(laid_out, predicate) -> list[Box]:
    """The border boxes of the elements ``predicate(element)`` picks, in document order."""
    found, seen = [], set()
    for box in laid_out:
        element = getattr(box, "element", None)
        if element is None or id(element) in seen or not predicate(element):
            continue
        if not hasattr(box, "border_height"):
            continue
        seen.add(id(element))
        top = box.position_y + box.margin_top
        left = box.position_x + box.margin_left
        found.append(Box(top, top + box.border_height(), left, left + box.border_width()))
    return found


def has_class(name: str):
    return lambda element: name in (element.get("class") or "").split()


def page_height(laid_out) -> float:
    """Where the footer ends: the page's full height."""
    footer = boxes(laid_out, lambda e: e.tag == "footer")
    return footer[-1].bottom if footer else 0.0
