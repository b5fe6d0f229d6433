import pytest

from common.roles import Role
from tests.factories import OversightFactory, StaffFactory, UserFactory


@pytest.mark.django_db
def test_login_page_is_accessible_without_javascript(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#main-content"' in html and 'id="main-content"' in html  # skip link
    assert '<label class="govuk-label" for="id_username">' in html
    assert '<label class="govuk-label" for="id_password">' in html
    assert 'lang="en-GB"' in html
    assert "govuk-frontend.min.css" in html


@pytest.mark.django_db
def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_sign_in_with_a_wrong_password_shows_an_error_summary(client):
    UserFactory(username="amira")
    response = client.post("/accounts/login/", {"username": "amira", "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content


@pytest.mark.django_db
def test_navigation_follows_roles(client):
    client.force_login(StaffFactory(roles=[Role.ADMINISTRATOR], is_staff=True))
    assert b">Administration<" in client.get("/").content
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    html = client.get("/").content
    assert b">Administration<" not in html
    assert b"Applicant officer" in html


@pytest.mark.django_db
def test_sign_in_and_out(client):
    UserFactory(username="amira")
    response = client.post(
        "/accounts/login/", {"username": "amira", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_oversight_account_signs_in(client):
    client.force_login(OversightFactory())
    assert b"Oversight (read only)" in client.get("/").content
