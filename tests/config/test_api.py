import pytest
from django.urls import reverse

from common.roles import Role
from tests.factories import StaffFactory, UserFactory


@pytest.mark.django_db
def test_token_is_issued_for_correct_credentials_and_authenticates(api_client):
    UserFactory(username="amira", roles=[Role.APPLICANT])
    response = api_client.post(
        reverse("api-token"), {"username": "amira", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/officers/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "amira"
    assert me.json()["roles"] == ["applicant_officer"]


@pytest.mark.django_db
def test_token_is_refused_for_a_wrong_password(api_client):
    UserFactory(username="amira")
    response = api_client.post(reverse("api-token"), {"username": "amira", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.django_db
def test_api_requires_authentication(api_client):
    assert api_client.get("/api/v1/officers/me/").status_code in (401, 403)
    assert api_client.get("/api/v1/").status_code in (401, 403)


@pytest.mark.django_db
def test_officer_list_needs_view_permission(api_client):
    api_client.force_authenticate(UserFactory(roles=[Role.LFR_OPERATOR]))
    assert api_client.get("/api/v1/officers/").status_code == 403


@pytest.mark.django_db
def test_officer_list_is_paginated_and_filterable(api_client):
    from authority.models import Rank

    admin = StaffFactory(roles=[Role.ADMINISTRATOR])
    UserFactory.create_batch(30, rank=Rank.CONSTABLE)
    UserFactory(rank=Rank.SUPERINTENDENT, username="supt")
    api_client.force_authenticate(admin)
    page = api_client.get("/api/v1/officers/").json()
    assert page["count"] == 32 and len(page["results"]) == 25 and page["next"]
    senior = api_client.get("/api/v1/officers/", {"rank_at_least": Rank.SUPERINTENDENT}).json()
    assert [o["username"] for o in senior["results"]] == ["supt"]
    admins = api_client.get("/api/v1/officers/", {"role": "administrator"}).json()
    assert [o["username"] for o in admins["results"]] == [admin.username]


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in body["paths"]
    assert "/api/v1/officers/" in body["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_domain_error_becomes_a_coded_response():
    from common.errors import InvalidInput, WrongState
    from config.api import domain_exception_handler

    invalid = domain_exception_handler(InvalidInput("Field X is missing.", field="x"), {})
    assert invalid.status_code == 400
    assert invalid.data == {"code": "invalid_input", "detail": "Field X is missing.", "field": "x"}
    assert domain_exception_handler(WrongState(), {}).status_code == 409


def test_the_engines_refusals_become_coded_responses_not_500s():
    from biometric_engine.core.errors import ImageTooLarge, ModelPackNotFound
    from config.api import domain_exception_handler
    from gate.checks import EngineRefused

    too_large = domain_exception_handler(ImageTooLarge(), {})
    assert too_large.status_code == 400 and too_large.data["code"] == "image_too_large"
    refused = domain_exception_handler(EngineRefused("no_scope", "No scope."), {})
    assert refused.status_code == 403 and refused.data["code"] == "no_scope"
    assert domain_exception_handler(ModelPackNotFound(), {}).status_code == 503
