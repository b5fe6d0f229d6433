import os
from pathlib import Path

import pytest

# Authority fixtures (applicants, deciders, applications in each state) serve every app's tests.
pytest_plugins = ["tests.authority.fixtures", "tests.gate.fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


def pytest_collection_modifyitems(config, items):
    """Integration tests need PostgreSQL and a real worker; .ci/run sets WA_INTEGRATION=1."""
    if os.environ.get("WA_INTEGRATION") == "1":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL, Redis and a Celery worker: run .ci/run")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in failure counts and lockouts live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
