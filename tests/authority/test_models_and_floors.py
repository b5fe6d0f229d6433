"""A threshold is a (model, score) pair: the models the engine knows are offered with their
equitability floors, a threshold below the floor is refused at submission, and without a
report the pages say the engine will refuse every call."""

from decimal import Decimal

import pytest

from authority import services
from authority.errors import (
    RequestedThresholdBelowEquitableMinimum,
    UnknownModelVersion,
)
from biometric_engine.engine import default_model_version
from tests.authority.fixtures import unchanged


def record_report(thresholds=(0.3, 0.5, 0.75), model=None):
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    return record_equitability_report(
        report=synthetic_report(thresholds, model=model), dataset="synthetic"
    )


@pytest.mark.django_db
def test_the_matching_section_offers_the_models_the_engine_knows_with_their_floors(
    client, draft, applicant
):
    record_report(model="insightface-buffalo_l/1")
    client.force_login(applicant)
    html = client.get(f"/applications/{draft.pk}/edit/matching/").content.decode()
    assert '<select name="model_version"' in html
    assert f'value="{default_model_version()}"' in html
    assert "the engine will refuse every call" in html  # the bundled model has no report here
    assert "insightface-buffalo_l/1 — equitable from 0.750" in html


@pytest.mark.django_db
def test_a_model_the_engine_does_not_know_is_refused_on_its_field(api_client, draft, applicant):
    with unchanged(draft), pytest.raises(UnknownModelVersion, match="knows no model 'facenet'"):
        services.update_application(application=draft, by=applicant, model_version="facenet")
    api_client.force_authenticate(applicant)
    response = api_client.patch(
        f"/api/v1/applications/{draft.pk}/", {"model_version": "facenet"}, format="json"
    )
    assert response.status_code == 400 and response.json()["field"] == "model_version"


@pytest.mark.django_db
def test_a_threshold_below_the_floor_is_refused_at_submission(draft, applicant):
    record_report()
    services.update_application(
        application=draft, by=applicant, requested_threshold=Decimal("0.300")
    )
    with (
        unchanged(draft),
        pytest.raises(RequestedThresholdBelowEquitableMinimum, match=r"below 0\.750") as refused,
    ):
        services.submit_application(application=draft, by=applicant)
    assert refused.value.field == "requested_threshold"


@pytest.mark.django_db
def test_the_submit_page_links_a_refused_threshold_to_its_field(client, draft, applicant):
    record_report()
    services.update_application(
        application=draft, by=applicant, requested_threshold=Decimal("0.300")
    )
    client.force_login(applicant)
    response = client.post(
        f"/applications/{draft.pk}/submit/", {"submitted_to": draft.submitted_to_id}
    )
    html = response.content.decode()
    assert "is below 0.750" in html
    assert f"/applications/{draft.pk}/edit/matching/#id_requested_threshold" in html


@pytest.mark.django_db
def test_without_a_report_the_application_and_decide_pages_say_the_engine_will_refuse(
    client, consulted, superintendent
):
    client.force_login(superintendent)
    for url in (f"/applications/{consulted.pk}/", f"/applications/{consulted.pk}/decide/"):
        html = client.get(url).content.decode()
        assert "the engine will refuse every call under this authority" in html, url
    record_report()
    html = client.get(f"/applications/{consulted.pk}/").content.decode()
    assert "the engine will refuse every call" not in html
