"""Sign-in throttling: after too many failed passwords for one account, or from one network
address, within a window, every attempt is refused with 429 and a sentence saying when to try
again, even with the right password; the lock is recorded on the ledger (never the password)."""

import os
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from oversight.models import LedgerEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
RIGHT = "correct-horse-battery"
MAX_PER_ACCOUNT = 5  # the default WA_LOGIN_MAX_FAILURES


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def obtain(api_client, username, password, **extra):
    return api_client.post(TOKEN, {"username": username, "password": password}, **extra)


def lock_events(user):
    return LedgerEntry.objects.filter(
        action="account.login_locked", object_type="authority.user", object_id=str(user.pk)
    )


@pytest.fixture
def amira():
    return UserFactory(username="amira", roles=[Role.APPLICANT])


def test_thirty_wrong_passwords_on_the_login_page_are_met_with_429(client, amira):
    statuses = [sign_in(client, "amira", f"guess-{n}").status_code for n in range(30)]
    assert 429 in statuses
    # The attempt that reaches the limit is already refused, and so is every one after it.
    assert statuses[: MAX_PER_ACCOUNT - 1] == [200] * (MAX_PER_ACCOUNT - 1)
    assert set(statuses[MAX_PER_ACCOUNT - 1 :]) == {429}


def test_a_locked_account_cannot_sign_in_even_with_the_right_password(client, amira):
    for n in range(MAX_PER_ACCOUNT):
        sign_in(client, "amira", f"guess-{n}")
    response = sign_in(client, "amira", RIGHT)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts for this account." in html
    assert "Try again after" in html and "There is a problem" in html
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still signed out


def test_the_lock_ends_after_the_lockout_period(client, amira, monkeypatch):
    for n in range(MAX_PER_ACCOUNT):
        sign_in(client, "amira", f"guess-{n}")
    later = timezone.now() + timedelta(minutes=16)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert sign_in(client, "amira", RIGHT).status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(client, amira):
    for n in range(MAX_PER_ACCOUNT - 1):
        sign_in(client, "amira", f"guess-{n}")
    assert sign_in(client, "amira", RIGHT).status_code == 302
    client.logout()
    for n in range(MAX_PER_ACCOUNT - 1):
        assert sign_in(client, "amira", f"again-{n}").status_code == 200
    assert sign_in(client, "amira", RIGHT).status_code == 302


def test_changing_the_usernames_case_does_not_dodge_the_account_limit(client, amira):
    for n, name in enumerate(["amira", "AMIRA", "Amira", "aMira", "amirA"]):
        sign_in(client, name, f"guess-{n}")
    assert sign_in(client, "amira", RIGHT).status_code == 429


def test_many_usernames_from_one_address_lock_that_address(client, amira, settings):
    settings.WA_LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    for n in range(8):
        sign_in(client, f"nobody{n}", "guess")
    response = sign_in(client, "amira", RIGHT)
    assert response.status_code == 429
    assert "from this network address" in response.content.decode()
    # Another address is not affected.
    assert sign_in(client, "amira", RIGHT, REMOTE_ADDR="192.0.2.7").status_code == 302


def test_thirty_wrong_passwords_on_the_token_endpoint_are_met_with_429(api_client, amira):
    statuses = [obtain(api_client, "amira", f"guess-{n}").status_code for n in range(30)]
    assert statuses[: MAX_PER_ACCOUNT - 1] == [400] * (MAX_PER_ACCOUNT - 1)
    assert set(statuses[MAX_PER_ACCOUNT - 1 :]) == {429}
    response = obtain(api_client, "amira", RIGHT)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_locked" and "token" not in body
    assert body["detail"].startswith("Too many failed sign-in attempts for this account.")
    assert "Try again after" in body["detail"]
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_a_wrong_token_password_answers_a_coded_400(api_client, amira):
    response = obtain(api_client, "amira", "nope")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_the_login_page_and_the_token_endpoint_share_one_count(client, api_client, amira):
    for n in range(3):
        sign_in(client, "amira", f"guess-{n}")
    for n in range(MAX_PER_ACCOUNT - 3):
        obtain(api_client, "amira", f"guess-{n}")
    assert sign_in(client, "amira", RIGHT).status_code == 429
    assert obtain(api_client, "amira", RIGHT).status_code == 429


def test_the_admin_login_goes_through_the_throttled_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_lock_is_recorded_once_on_the_ledger_without_the_password(client, api_client, amira):
    for n in range(30):
        sign_in(client, "amira", f"secret-guess-{n}")
        obtain(api_client, "amira", f"secret-guess-{n}")
    events = list(lock_events(amira))
    assert len(events) == 1  # one per lock, however many attempts: no flooding the ledger
    event = events[0]
    assert event.actor_id is None and event.role == "system"
    assert "secret-guess" not in event.payload and RIGHT not in event.payload
    assert '"failures":5' in event.payload and '"channel":"staff_site"' in event.payload


def test_unknown_usernames_lock_without_ledger_entries(client):
    before = LedgerEntry.objects.count()
    for n in range(30):
        sign_in(client, "ghost", f"guess-{n}")
    assert sign_in(client, "ghost", "x").status_code == 429
    assert LedgerEntry.objects.count() == before


def test_forwarded_addresses_count_only_behind_the_configured_proxies(client, amira, settings):
    settings.WA_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    # No trusted proxy: a client cannot pick its own address with X-Forwarded-For.
    for n in range(3):
        sign_in(client, f"nobody{n}", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert sign_in(client, "amira", RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_one_proxy_the_forwarded_address_is_the_client(client, amira, settings):
    settings.WA_NUM_PROXIES = 1
    settings.WA_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        sign_in(client, f"nobody{n}", "guess", HTTP_X_FORWARDED_FOR="203.0.113.5")
    locked = sign_in(client, "amira", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked.status_code == 429
    # A spoofed left-most entry does not change the address the proxy saw.
    spoofed = sign_in(client, "amira", RIGHT, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
    assert spoofed.status_code == 429
    other = sign_in(client, "amira", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302


@pytest.mark.integration
def test_the_lockout_holds_on_a_redis_cache(client, amira, settings):
    """With WA_CACHE_URL (here the CI's Redis), counts and locks live in Redis, shared by every
    worker; incr there is atomic."""
    url = os.environ.get("WA_CACHE_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        pytest.skip("needs a Redis URL in WA_CACHE_URL or CELERY_BROKER_URL")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"wa-test-{uuid.uuid4().hex}",  # never clear() the broker's database
        }
    }
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    for n in range(MAX_PER_ACCOUNT):
        sign_in(client, "amira", f"guess-{n}")
    assert sign_in(client, "amira", RIGHT).status_code == 429
