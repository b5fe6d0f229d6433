"""A deployment of a signed-off watchlist (tests.watchlists ``planned``, one entry: the
astronaut from scikit-image), its Silver commander, operator, engagement officer and camera."""

import io

import pytest
from PIL import Image

from common.roles import Role
from deployments.services.cameras import register_camera
from deployments.services.lifecycle import plan_deployment, start_deployment
from tests.deployments.searches_fixtures import (  # noqa: F401  (RFR and OIFR fixtures)
    approver,
    astronaut_in_custody,
    custody,
    examiner,
    gallery_admin,
    investigator,
    missing,
    oifr_authority,
    rfr_authority,
)
from tests.factories import UserFactory
from tests.watchlists import images
from tests.watchlists.conftest import planned, watchlist_officer  # noqa: F401
from tests.watchlists.test_composition import add
from watchlists.services.sign_off import sign_off_watchlist


@pytest.fixture
def silver(live):
    """The Silver commander named on the authority."""
    return live.silver_commander


@pytest.fixture
def engagement_officer(db):
    return UserFactory(username="eo", roles=[Role.ENGAGEMENT_OFFICER])


@pytest.fixture
def listed(planned, watchlist_officer):  # noqa: F811
    """The astronaut's entry on the list."""
    return add(planned, watchlist_officer, "PNC-1", images.astronaut)


@pytest.fixture
def signed_off(planned, listed, superintendent):  # noqa: F811
    sign_off_watchlist(watchlist=planned, by=superintendent)
    planned.refresh_from_db()
    return planned


@pytest.fixture
def deployment(signed_off, silver, operator, engagement_officer):
    return plan_deployment(
        watchlist=signed_off,
        by=silver,
        operators=[operator],
        engagement_officers=[engagement_officer],
    )


@pytest.fixture
def running(deployment, silver):
    return start_deployment(deployment=deployment, by=silver)


@pytest.fixture
def camera(running, operator):
    camera, _token = register_camera(deployment=running, by=operator, name="North entrance")
    return camera


def shifted(data: bytes, dx: int, dy: int = 0, pad: int = 40) -> bytes:
    """The image on a grey canvas, moved by (dx, dy): one person a few pixels on per frame."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    canvas = Image.new("RGB", (image.width + pad, image.height + pad), (128, 128, 128))
    canvas.paste(image, (pad // 2 + dx, pad // 2 + dy))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()
