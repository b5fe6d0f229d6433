import pytest

from authority.models import Application, ApplicationStatus


@pytest.mark.django_db
def test_drafting_in_sections_with_save_and_continue(client, applicant):
    client.force_login(applicant)
    response = client.post(
        "/applications/new/",
        {
            "mode": "lfr",
            "operation_name": "Operation Lark",
            "aim": "Find wanted people",
            "legal_bases": ["common_law_policing_powers", "dpa_2018_s35"],
            "legitimate_aim": "prevention_of_disorder_or_crime",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/applications/{application.pk}/edit/case/")
    assert application.legal_bases == ["common_law_policing_powers", "dpa_2018_s35"]

    response = client.post(
        f"/applications/{application.pk}/edit/case/",
        {
            "intelligence_case": "Restricted detail",
            "necessity": "Because.",
            "proportionality": "Minimal.",
            "save_and_continue": "1",
        },
    )
    assert response["Location"].endswith("/edit/alternatives/")

    rows = {
        "alternatives-TOTAL_FORMS": "2",
        "alternatives-INITIAL_FORMS": "0",
        "alternatives-0-description": "Patrols",
        "alternatives-0-outcome": "tried_and_failed",
        "alternatives-0-reason": "No sightings",
        "alternatives-1-description": "",
        "alternatives-1-outcome": "discounted",
        "alternatives-1-reason": "",
    }
    client.post(f"/applications/{application.pk}/edit/alternatives/", rows)
    assert list(application.alternatives.values_list("description", flat=True)) == ["Patrols"]

    page = client.get(f"/applications/{application.pk}/edit/submit/").content.decode()
    assert "Still to complete before submitting" in page and "Gold commander" in page


@pytest.mark.django_db
def test_a_broken_rule_is_shown_on_the_form_and_nothing_is_saved(client, draft, applicant):
    client.force_login(applicant)
    response = client.post(
        f"/applications/{draft.pk}/edit/locations/",
        {
            "locations-TOTAL_FORMS": "1",
            "locations-INITIAL_FORMS": "0",
            "locations-0-name": "Somewhere",
            "locations-0-location_type": "",
            "locations-0-justification": "x",
        },
    )
    assert response.status_code == 200
    assert "closed list" in response.content.decode()
    assert draft.locations.count() == 2


@pytest.mark.django_db
def test_review_page_shows_the_application_and_its_history_side_by_side(
    client, submitted, superintendent
):
    client.force_login(superintendent)
    html = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "wa-side-by-side" in html and "History" in html
    assert submitted.necessity[:40] in html
    assert "RESTRICTED: source reporting" in html  # the decider reads the intelligence case
    assert ">Decide<" in html


@pytest.mark.django_db
def test_deciding_through_the_form_with_conditions(client, consulted, superintendent):
    client.force_login(superintendent)
    north = consulted.locations.first()
    response = client.post(
        f"/applications/{consulted.pk}/decide/",
        {
            "decision": "authorise",
            "reasons": "Necessary and proportionate.",
            "max_watchlist_size": "10",
            "locations": [str(north.pk)],
            "safeguards": "Silver reviews every alert\nNo engagement without two officers",
        },
    )
    assert response.status_code == 302
    consulted.refresh_from_db()
    assert consulted.status == ApplicationStatus.AUTHORISED
    decision = consulted.decisions.get()
    assert decision.conditions.count() == 4 and decision.max_watchlist_size == 10
    pdf = client.get(f"/applications/{consulted.pk}/wad/v1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_decide_page_shows_the_equitable_minimum_and_refuses_less(
    client, consulted, superintendent
):
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.75)), dataset="synthetic")
    client.force_login(superintendent)
    url = f"/applications/{consulted.pk}/decide/"
    page = client.get(url).content.decode()
    assert "false-alert rate to be close from 0.750" in page.replace("&#x27;", "'")
    response = client.post(url, {"decision": "authorise", "reasons": "Go."})
    assert "is below 0.750" in response.content.decode()
    consulted.refresh_from_db()
    assert consulted.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_a_widening_condition_is_refused_on_the_form(client, consulted, superintendent):
    client.force_login(superintendent)
    response = client.post(
        f"/applications/{consulted.pk}/decide/",
        {
            "decision": "authorise",
            "reasons": "Go.",
            "max_watchlist_size": "1000",
        },
    )
    assert response.status_code == 200
    assert "a condition can only make it smaller" in response.content.decode()
    consulted.refresh_from_db()
    assert consulted.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_others_cannot_see_or_decide(client, submitted, other_superintendent):
    client.force_login(other_superintendent)
    assert client.get(f"/applications/{submitted.pk}/").status_code == 404
    assert client.get(f"/applications/{submitted.pk}/decide/").status_code == 404


@pytest.mark.django_db
def test_applicant_cannot_open_the_decision_form(client, submitted, applicant):
    client.force_login(applicant)
    assert client.get(f"/applications/{submitted.pk}/decide/").status_code == 403


@pytest.mark.django_db
def test_cancel_through_the_page_needs_the_report(client, authorised, superintendent):
    client.force_login(superintendent)
    response = client.post(
        f"/applications/{authorised.pk}/cancel/", {"reasons": "Suspects arrested", "report": ""}
    )
    assert "Write the cancellation report" in response.content.decode()
    response = client.post(
        f"/applications/{authorised.pk}/cancel/",
        {"reasons": "Suspects arrested", "report": "Two arrests."},
    )
    assert response.status_code == 302
    authorised.refresh_from_db()
    assert authorised.status == ApplicationStatus.CANCELLED
