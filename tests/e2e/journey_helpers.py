"""Form filling for the journey: one call fills a page's fields the way a person would (select
an option, tick boxes, type text), from plain values."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone


def as_text(value) -> str:
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def fill(page, values: dict) -> None:
    """Fill each named field: a select chooses, checkboxes and radios tick, the rest types."""
    for name, value in values.items():
        fields = page.locator(f'main [name="{name}"]')
        first = fields.first
        tag = first.evaluate("e => e.tagName.toLowerCase()")
        kind = (first.get_attribute("type") or "").lower()
        if tag == "select":
            first.select_option(as_text(value))
        elif kind == "radio" or (kind == "checkbox" and fields.count() > 1):
            chosen = value if isinstance(value, list | tuple) else [value]
            for option in chosen:
                page.check(f'main [name="{name}"][value="{as_text(option)}"]')
        elif kind == "checkbox":
            if value:
                first.check()
            else:
                first.uncheck()
        else:
            first.fill(as_text(value))


def press(page, label: str) -> None:
    """Press the main content's button of that name and wait for the next page."""
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=label, exact=True).first.click()
