"""Every role has a way in: each demo account's home shows its own work and something to do
now, and every role is served by its app's own section."""

import pytest

from authority.demo import DEMO_PEOPLE
from authority.models import User
from common.roles import Role
from tests.factories import UserFactory
from tests.html import parse

EXPECTED_ON_HOME = {
    "applicant": ["Draft a new application", "Continue the draft"],
    "superintendent": [">Decide<", ">Review<", ">Cancel<"],
    "superintendent2": ["Operations you command"],
    "inspector": [">Cancel<"],
    "chief": ["Give the Chief Officer&#x27;s view"],
    "watchlist": ["Watchlists to compose", "Create a watchlist"],
    "operator": ["Deployments you operate", "All deployments"],
    "engagement": [
        "Operations you command",
        "You are the Bronze commander",
        "Deployments you respond on",
    ],
    "silver": ["Halt the engine", "Deployments you command", "Plan a deployment"],
    "investigator": ["Retrospective searches and identity checks"],
    "reviewer": ["Post-deployment reviews to write", "Reviews to approve"],
    "publisher": ["Publication", "The public transparency site"],
    "oversight": ["The ledger timeline", "Verify the ledger"],
    "admin": ["Create an account"],
}


def _next_steps(html: str) -> list[str]:
    """The links under "What you can do next" and the acts offered on the person's work."""
    page = parse(html)
    start = html.find('<h1 class="govuk-heading-xl">Your work</h1>')
    end = html.find('<h2 class="govuk-heading-m">Your account</h2>')
    links = parse(html[start:end]).links
    return [link for link in links if link.startswith("/") and link in page.links]


EXPECTED_ON_HOME = {
    "applicant": ["Draft a new application", "Continue the draft"],
    "superintendent": [">Decide<", ">Review<", ">Cancel<"],
    "superintendent2": ["Operations you command"],
    "inspector": [">Cancel<"],
    "chief": ["Give the Chief Officer&#x27;s view"],
    "watchlist": ["Watchlists to compose", "Create a watchlist"],
    "operator": ["Deployments you operate", "All deployments"],
    "engagement": [
        "Operations you command",
        "You are the Bronze commander",
        "Deployments you respond on",
    ],
    "silver": ["Halt the engine", "Deployments you command", "Plan a deployment"],
    "investigator": ["Retrospective searches and identity checks"],
    "reviewer": ["Post-deployment reviews to write", "Reviews to approve"],
    "publisher": ["Publication", "The public transparency site"],
    "oversight": ["The ledger timeline", "Verify the ledger"],
    "admin": ["Create an account"],
}


@pytest.mark.django_db
def test_every_demo_accounts_home_shows_its_own_work_and_something_to_do(client, demo):
    assert set(EXPECTED_ON_HOME) == {p.username for p in DEMO_PEOPLE}
    for person in DEMO_PEOPLE:
        client.force_login(User.objects.get(username=person.username))
        response = client.get("/")
        html = response.content.decode()
        assert response.status_code == 200
        for text in EXPECTED_ON_HOME[person.username]:
            assert text in html, (person.username, text)
        steps = _next_steps(html)
        assert steps, f"{person.username}'s home offers nothing to do"
        for href in set(steps):
            followed = client.get(href)
            assert followed.status_code == 200, (person.username, href, followed.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_alone_is_served_by_a_section_of_its_own(role):
    from config.home import sections_for

    person = UserFactory(username=f"only-{role.value}", roles=[role])
    sections = sections_for(person)
    assert any(role in section.roles for section in sections), [s.heading for s in sections]
    assert "No role yet" not in [section.heading for section in sections]
