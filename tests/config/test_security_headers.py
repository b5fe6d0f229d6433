"""Response headers: a Content-Security-Policy on every response, Cache-Control: no-store on
every authenticated (and every API) response, public pages cacheable, a working-day session."""

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from common.roles import Role
from tests.factories import OversightFactory, UserFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def assert_strict_csp(response):
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    for directive in ("script-src", "style-src", "default-src"):
        assert "unsafe-inline" not in policy.get(directive, "")
        assert "unsafe-eval" not in policy.get(directive, "")


def assert_hardened(response):
    assert_strict_csp(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def assert_no_store(response):
    assert "no-store" in response["Cache-Control"]


def assert_no_inline_code(html: str):
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)


def test_a_staff_page_is_not_stored_and_carries_the_policy(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    response = client.get("/")
    assert response.status_code == 200
    assert_hardened(response)
    assert_no_store(response)
    assert_no_inline_code(response.content.decode())


def test_an_oversight_page_is_not_stored_and_has_no_inline_code(client):
    client.force_login(OversightFactory())
    response = client.get("/oversight/verify/")
    assert response.status_code == 200
    assert_hardened(response)
    assert_no_store(response)
    assert_no_inline_code(response.content.decode())


def test_an_api_response_with_a_token_is_not_stored(api_client):
    UserFactory(username="amira", roles=[Role.APPLICANT])
    issued = api_client.post(
        "/api/v1/auth/token/", {"username": "amira", "password": "correct-horse-battery"}
    )
    assert_no_store(issued)  # it carries a credential
    assert_strict_csp(issued)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    response = api_client.get("/api/v1/officers/me/")
    assert response.status_code == 200
    assert_hardened(response)
    assert response["Cache-Control"] == "no-store"


def test_an_anonymous_api_refusal_is_not_stored(api_client):
    response = api_client.get("/api/v1/officers/me/")
    assert response.status_code in (401, 403)
    assert_no_store(response)
    assert_strict_csp(response)


def test_the_login_page_carries_the_policy_and_is_not_stored(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_hardened(response)
    assert_no_store(response)
    assert_no_inline_code(response.content.decode())


def test_a_public_page_carries_the_policy_and_stays_cacheable(client):
    response = client.get("/transparency/ledger-key.pem")
    assert response.status_code == 200
    assert_hardened(response)
    assert "no-store" not in response["Cache-Control"]
    assert "public" in response["Cache-Control"]


def test_a_public_page_fetched_while_signed_in_is_not_stored(client):
    client.force_login(UserFactory())
    assert_no_store(client.get("/transparency/ledger-key.pem"))


def test_the_api_docs_need_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert_strict_csp(response)
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html) and "<style" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_the_page_scripts_are_static_files():
    assert finders.find("js/govuk-init.js")
    assert finders.find("js/js-enabled.js")


def test_a_session_lasts_a_working_day(client):
    UserFactory(username="amira")
    client.post("/accounts/login/", {"username": "amira", "password": "correct-horse-battery"})
    age = client.session.get_expiry_date() - timezone.now()
    assert timedelta(hours=9) - timedelta(minutes=1) <= age <= timedelta(hours=9)


def test_static_files_carry_the_policy_and_stay_cacheable(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # read when the client's middleware loads
    client.force_login(UserFactory())
    response = client.get("/static/js/govuk-init.js")
    assert response.status_code == 200
    assert_strict_csp(response)
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
