"""The browser journey's harness: Debian's chromium driven by Playwright, axe-core injected
into every page, a screenshot per step.

Nothing is downloaded here: Playwright launches the system ``chromium`` (never a Playwright
browser build) and axe-core comes from ``make e2e-deps`` (npm, into ``var/e2e/``, ignored by
git). Where either is missing the e2e tests skip with the reason, so ``make test`` passes on a
laptop without them; ``WA_E2E=0`` skips them on purpose, ``WA_E2E=1`` (set by .ci/run) turns a
missing dependency into a failure instead of a skip.
"""

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_VAR = REPO_ROOT / "var" / "e2e"
AXE = E2E_VAR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("WA_E2E_SCREENSHOTS") or E2E_VAR / "screenshots")
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 320, "height": 640}
# What fails a page: axe-core's two worst impacts (moderate and minor are reported, not failed).
FAILING_IMPACTS = ("serious", "critical")


def _missing() -> str:
    if os.environ.get("WA_E2E") == "0":
        return "WA_E2E=0: browser tests switched off"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not shutil.which("chromium"):
        return "no chromium on PATH (apt-get install chromium)"
    if not AXE.is_file():
        return f"axe-core is not installed ({AXE.relative_to(REPO_ROOT)}: run make e2e-deps)"
    return ""


def pytest_collection_modifyitems(config, items):
    missing = _missing()
    if not missing:
        return
    e2e = [item for item in items if Path(str(item.fspath)).is_relative_to(Path(__file__).parent)]
    if not e2e:
        return
    if os.environ.get("WA_E2E") == "1" and not missing.startswith("WA_E2E=0"):
        raise pytest.UsageError(f"WA_E2E=1 but the browser tests cannot run: {missing}")
    skip = pytest.mark.skip(reason=missing)
    for item in e2e:
        item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    """Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse
    the test's own queries as "async" (SynchronousOnlyOperation); they are synchronous, on the
    test's thread, so say so for as long as the browser is open."""
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"], headless=True
        )
        yield browser
        browser.close()
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def eager_tasks(settings):
    """Celery tasks run in the request that enqueues them, here and in .ci/run alike.

    .ci/run's PostgreSQL pass has a broker and a real worker, but each test keeps its files in
    a media folder of its own (tests/conftest.py) that the worker cannot see; the journey is
    about pages, not the worker (tests/deployments/test_video.py proves the worker path)."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


class Pages:
    """One browser context per person, axe on every page at desktop and at 320 px, and a
    numbered screenshot per step."""

    def __init__(self, browser, base_url: str, folder: Path):
        self.browser = browser
        self.base_url = base_url
        self.folder = folder
        self.step = 0
        self.violations: list[str] = []  # serious or critical: these fail
        self.findings: list[str] = []  # every impact, for the report
        self.checks = 0
        self.audited: list[str] = []
        self.contexts = []

    def signed_out(self):
        """A browser of its own with no one signed in: the public's."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport=DESKTOP, bypass_csp=True, accept_downloads=True
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    def sign_in(self, username: str):
        page = self.signed_out()
        page.goto("/accounts/login/")
        self.audit(page, "sign in")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        return page

    def audit(self, page, name: str) -> None:
        """axe-core on the page as it stands, at desktop width and at 320 px. Every finding is
        written to the report (axe.txt); serious and critical ones fail the test."""
        for label, viewport in (("desktop", DESKTOP), ("320px", MOBILE)):
            page.set_viewport_size(viewport)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            assert result["passes"] is not None and result["testEngine"]["name"] == "axe-core"
            self.checks += 1
            for violation in result["violations"]:
                targets = "; ".join(str(node["target"]) for node in violation["nodes"][:5])
                line = (
                    f"{name} ({label}, {page.url}): {violation['impact']} {violation['id']}: "
                    f"{violation['help']} [{targets}]"
                )
                self.findings.append(line)
                if violation["impact"] in FAILING_IMPACTS:
                    self.violations.append(line)
        page.set_viewport_size(DESKTOP)
        self.audited.append(f"{name}: {page.url}")

    def shot(self, page, name: str) -> Path:
        self.step += 1
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        path = self.folder / f"{self.step:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def report(self) -> Path:
        path = self.folder / "axe.txt"
        path.write_text(
            f"axe-core: {self.checks} runs on {len(self.audited)} pages (desktop and 320 px)\n"
            + "".join(f"page  {line}\n" for line in self.audited)
            + "".join(f"found {line}\n" for line in self.findings)
        )
        return path

    def close(self) -> None:
        self.report()
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, live_server, request):
    folder = SCREENSHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    helper = Pages(browser, live_server.url, folder)
    yield helper
    helper.close()
