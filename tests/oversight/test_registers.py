"""Registers are handed to oversight by the apps; the urgent register holds a ratification to
the lapse the urgent decision recorded: 72 hours, or the window's end if sooner."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from oversight.canonical import format_time
from oversight.registers import follow_up_register
from oversight.selectors import URGENT_REGISTER, urgent_authorities
from tests.factories import LedgerEventFactory, OversightFactory

pytestmark = pytest.mark.django_db


def at(monkeypatch, when):
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)


def test_authority_hands_oversight_its_urgent_register():
    register = follow_up_register(URGENT_REGISTER)
    assert register.opening_action == "application.urgently_authorised"
    assert register.limit == timedelta(hours=72)


def test_a_ratification_after_the_windows_end_is_late_even_within_72_hours(monkeypatch):
    start = datetime(2025, 6, 1, 8, tzinfo=UTC)
    at(monkeypatch, start)
    # The window ends six hours after the urgent decision, so that is when it lapses.
    LedgerEventFactory(
        action="application.urgently_authorised",
        subject=("authority.application", 21),
        payload={"lapses_at": format_time(start + timedelta(hours=6))},
    )
    LedgerEventFactory(
        action="application.urgently_authorised",
        subject=("authority.application", 22),
        payload={"lapses_at": format_time(start + timedelta(hours=6))},
    )
    at(monkeypatch, start + timedelta(hours=5))
    LedgerEventFactory(action="application.ratified", subject=("authority.application", 21))
    at(monkeypatch, start + timedelta(hours=7))
    LedgerEventFactory(action="application.ratified", subject=("authority.application", 22))
    monkeypatch.undo()
    rows = {row.entry.object_id: row for row in urgent_authorities()}
    assert rows["21"].exceptions == []
    assert rows["22"].exceptions == ["Late ratification"]
    assert rows["22"].timely_after == timedelta(hours=7)


def test_the_urgent_register_page_reads_the_handed_in_labels(client, monkeypatch):
    client.force_login(OversightFactory())
    LedgerEventFactory(
        action="application.urgently_authorised", subject=("authority.application", 31)
    )
    LedgerEventFactory(action="application.lapsed", subject=("authority.application", 31))
    html = client.get(reverse("oversight:urgent-register")).content.decode()
    assert "Lapsed: not ratified in time" in html
