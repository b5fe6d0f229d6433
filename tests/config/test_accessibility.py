"""GOV.UK patterns a screen reader depends on: titles that read page then service, hints
and errors a field points at, one error summary at the top of a failed page; and a header bar
that holds its Sign out button (laid out, not guessed)."""

import pytest

from common.roles import Role
from tests.factories import UserFactory
from tests.html import broken_references, parse, summary_links
from tests.rendering import boxes, layout

DASH = "\u2013"  # the en dash GOV.UK titles use between the page and the service


@pytest.mark.django_db
def test_page_titles_read_page_then_service(client):
    html = client.get("/accounts/login/").content.decode()
    assert parse(html).title == f"Sign in {DASH} Written Authority"
    UserFactory(username="amira")
    failed = client.post("/accounts/login/", {"username": "amira", "password": "wrong"})
    assert parse(failed.content).title == f"Error: Sign in {DASH} Written Authority"


@pytest.mark.django_db
def test_every_hint_and_error_a_field_points_at_exists(client, draft, applicant):
    client.force_login(applicant)
    pages = [f"/applications/{draft.pk}/edit/{s}/" for s in ("basics", "case", "timing")]
    pages += [f"/applications/{draft.pk}/edit/{s}/" for s in ("command", "matching", "submit")]
    pages += [f"/applications/{draft.pk}/edit/{s}/" for s in ("locations", "assessments")]
    for url in pages:
        html = client.get(url).content.decode()
        assert broken_references(html) == [], url
    failed = client.post(
        f"/applications/{draft.pk}/edit/basics/", {"mode": "", "operation_name": ""}
    )
    assert failed.status_code == 200
    assert broken_references(failed.content) == []
    assert 'aria-describedby="id_mode_error"' in failed.content.decode()


@pytest.mark.django_db
def test_the_decision_form_reads_its_hints_and_errors_out(client, consulted, superintendent):
    client.force_login(superintendent)
    url = f"/applications/{consulted.pk}/decide/"
    assert broken_references(client.get(url).content) == []
    failed = client.post(url, {"decision": "authorise", "reasons": ""})
    html = failed.content.decode()
    assert broken_references(html) == []
    assert "id_reasons_helptext" in html and "Write the reasons" in html


@pytest.mark.django_db
def test_a_failed_form_has_an_error_summary_first_linking_to_each_field(
    client, consulted, superintendent
):
    client.force_login(superintendent)
    failed = client.post(
        f"/applications/{consulted.pk}/decide/",
        {"decision": "", "reasons": "x", "threshold": "high"},
    )
    html = failed.content.decode()
    assert parse(html).title.startswith("Error: ")
    summary, heading = html.find("govuk-error-summary"), html.find("<h1")
    assert 0 < summary < heading, "the error summary comes before the page heading"
    links = summary_links(html)
    assert {"#id_decision_0", "#id_threshold"} <= set(links)
    ids = set(parse(html).ids)
    assert all(link[1:] in ids for link in links)


@pytest.mark.django_db
def test_the_sign_out_button_sits_inside_the_header_bar(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    laid_out = layout(client.get("/").content.decode())
    header = boxes(laid_out, lambda e: e.tag == "header")[0]
    button = boxes(laid_out, lambda e: e.tag == "button" and "Sign out" in (e.text or ""))[0]
    assert header.top <= button.top and button.bottom <= header.bottom, (header, button)
