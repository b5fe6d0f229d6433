"""The site's own 400, 403, 404 and 500 pages, in its layout, with DEBUG on as well as off:
no page of the staff site answers Django's technical page."""

import logging

import pytest
from django.test import override_settings

from authority.models import Application
from common.roles import Role
from tests.factories import UserFactory
from tests.html import parse

DASH = "\u2013"  # the en dash GOV.UK titles use between the page and the service
TECHNICAL_PAGE = ("seeing this error because you have", "DEBUG = True", "Traceback")


def technical(html: str) -> bool:
    return any(marker in html for marker in TECHNICAL_PAGE)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_an_application_not_shared_reads_as_the_sites_own_404_with_debug_on(client, submitted):
    client.force_login(UserFactory(roles=[Role.LFR_OPERATOR]))
    response = client.get(f"/applications/{submitted.pk}/")
    html = response.content.decode()
    assert response.status_code == 404
    assert not technical(html) and "URLconf" not in html
    assert "Page not found" in html and "govuk-header" in html and ">Sign out<" in html
    assert parse(html).title == f"Page not found {DASH} Written Authority"


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_an_unknown_address_reads_as_the_sites_own_404_with_debug_on(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and not technical(html) and "URLconf" not in html
    # Django's missing-slash redirect still happens first.
    assert client.get("/applications").status_code == 301


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_a_forbidden_page_reads_in_the_sites_layout(client, submitted, applicant):
    client.force_login(applicant)
    response = client.get(f"/applications/{submitted.pk}/decide/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "You cannot do this" in html and "govuk-header" in html and not technical(html)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_fault_answers_the_sites_own_500_and_is_still_logged(client, monkeypatch, caplog, debug):
    def broken(user):
        raise RuntimeError("a fault in a page")

    monkeypatch.setattr("authority.selectors.applications_visible_to", broken)
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    client.raise_request_exception = False
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR, "django.request"):
        response = client.get("/applications/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html and not technical(html)
    assert "a fault in a page" not in html
    assert any(r.exc_info and "a fault in a page" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_api_keeps_its_json_answers(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    response = client.get("/api/v1/applications/999999/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_no_page_of_the_staff_site_answers_a_debug_page(client, demo):

    ids = list(Application.objects.values_list("pk", flat=True))
    paths = {"/", "/applications/", "/applications/new/", "/no-such-page/", "/applications/0/"}
    for pk in ids:
        paths |= {f"/applications/{pk}/", f"/applications/{pk}/decide/"}
        paths |= {f"/applications/{pk}/{act}/" for act in ("ratify", "resume", "halt", "nope")}
        paths |= {f"/applications/{pk}/edit/{s}/" for s in ("basics", "submit", "nowhere")}
    for username in ("applicant", "superintendent", "operator", "oversight", "admin"):
        client.force_login(demo[username])
        for path in sorted(paths):
            response = client.get(path)
            body = response.content.decode(errors="replace")
            assert response.status_code in {200, 302, 403, 404}, (username, path)
            assert not technical(body), (username, path)
