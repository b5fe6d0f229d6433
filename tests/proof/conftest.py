import pytest


@pytest.fixture(autouse=True)
def _own_media_root():
    """The world's files (entry images, alert crops) live in the module's media root, set
    when it is built (tests.proof.world); a folder per test would hide them."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from tests.proof.world import built_world

    with django_db_blocker.unblock(), built_world(tmp_path_factory.mktemp("media")) as built:
        yield built
