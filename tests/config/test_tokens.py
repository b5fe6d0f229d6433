"""API tokens expire after WA_API_TOKEN_HOURS and are rotated each time one is obtained."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from common.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/officers/me/"


@pytest.fixture
def amira():
    return UserFactory(username="amira", roles=[Role.APPLICANT])


def obtain(api_client) -> str:
    response = api_client.post(TOKEN, {"username": "amira", "password": "correct-horse-battery"})
    assert response.status_code == 200
    return response.json()["token"]


def me(api_client, key: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    try:
        return api_client.get(ME)
    finally:
        api_client.credentials()


def test_a_token_says_when_it_expires(api_client, amira):
    before = timezone.now()
    body = api_client.post(TOKEN, {"username": "amira", "password": "correct-horse-battery"}).json()
    expires = timezone.datetime.fromisoformat(body["expires"])
    assert abs(expires - before - timedelta(hours=9)) < timedelta(seconds=5)


def test_a_token_older_than_its_lifetime_answers_401_with_a_clear_detail(api_client, amira):
    key = obtain(api_client)
    assert me(api_client, key).status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=9, minutes=1))
    response = me(api_client, key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    body = response.json()
    assert body["code"] == "token_expired"
    assert "expired" in body["detail"] and "POST /api/v1/auth/token/" in body["detail"]


def test_the_lifetime_is_a_setting(api_client, amira, settings):
    settings.WA_API_TOKEN_HOURS = 1
    key = obtain(api_client)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(minutes=61))
    assert me(api_client, key).status_code == 401


def test_obtaining_a_new_token_rotates_the_old_one(api_client, amira):
    first = obtain(api_client)
    second = obtain(api_client)
    assert first != second
    assert me(api_client, first).status_code == 401
    assert me(api_client, second).status_code == 200
    assert Token.objects.filter(user=amira).count() == 1


def test_a_rotated_token_starts_a_new_lifetime(api_client, amira):
    key = obtain(api_client)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=10))
    assert me(api_client, key).status_code == 401
    fresh = obtain(api_client)
    assert me(api_client, fresh).status_code == 200


def test_an_unknown_token_is_still_refused(api_client, amira):
    response = me(api_client, "0" * 40)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
