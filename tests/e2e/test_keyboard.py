"""Every key form of the journey, by keyboard alone: Tab to each field (the skip link first),
type, choose with the arrow keys and Space, reach the submit button and press Enter. At every
stop the focused element must show a visible focus indicator (GOV.UK's yellow outline or
shadow, on the element or, for a styled checkbox or radio, on its label)."""

import pytest

from authority.models import ApplicationStatus
from deployments.models import DeploymentStatus
from tests.deployments.conftest import (  # noqa: F401  (the running deployment's fixtures)
    camera,
    deployment,
    engagement_officer,
    listed,
    running,
    signed_off,
    silver,
)
from tests.deployments.test_alerts import alert  # noqa: F401
from tests.e2e.conftest import PASSWORD
from tests.watchlists.conftest import planned, watchlist_officer  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

FOCUS_SHOWN = r"""el => {
  // A date or time input's own calendar button (in the browser's shadow DOM) has the browser's
  // focus ring, not the page's: the input is then active without matching :focus.
  if (/^(date|datetime-local|time)$/.test(el.type) && !el.matches(':focus')) return true;
  const shown = s => (s.boxShadow && s.boxShadow !== 'none')
    || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
        && s.outlineColor !== 'transparent' && !/^rgba\(.*,\s*0\)$/.test(s.outlineColor));
  if (shown(getComputedStyle(el))) return true;
  for (const label of el.labels || []) {
    if (shown(getComputedStyle(label, '::before')) || shown(getComputedStyle(label, '::after')))
      return true;
  }
  return false;
}"""


class Keyboard:
    def __init__(self, page):
        self.page = page
        self.stops: list[str] = []

    def focused(self) -> str:
        return self.page.evaluate(
            "() => { const e = document.activeElement; return e.id || e.name || e.tagName "
            "+ ':' + (e.textContent || '').trim().slice(0, 40); }"
        )

    def tab_to(self, matches: str, limit: int = 80) -> None:
        """Tab until the focused element matches the CSS selector, checking focus is visible
        at every stop on the way."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            here = self.page.evaluate_handle("document.activeElement")
            name = self.focused()
            self.stops.append(name)
            if name != "BODY:":
                assert here.evaluate(FOCUS_SHOWN), f"no visible focus on {name}: " + here.evaluate(
                    "e => { const s = getComputedStyle(e); return [e.matches(':focus'), "
                    "s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | '); }"
                )
            if here.evaluate("(e, s) => e.matches(s)", matches):
                return
        raise AssertionError(f"Tab never reached {matches}: {self.stops}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def enter(self) -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def signed_in_by_keyboard(pages, username: str):
    context = pages.browser.new_context(base_url=pages.base_url, bypass_csp=True)
    pages.contexts.append(context)
    page = context.new_page()
    page.goto("/accounts/login/")
    keys = Keyboard(page)
    keys.tab_to(".govuk-skip-link")  # the first stop: skip to main content
    keys.tab_to("#id_username")
    keys.type(username)
    keys.tab_to("#id_password")
    keys.type(PASSWORD)
    keys.tab_to("main button[type=submit]")
    keys.enter()
    assert "/accounts/login/" not in page.url, page.url
    return page, keys


def test_sign_in_and_draft_an_application_by_keyboard(pages, applicant):
    page, keys = signed_in_by_keyboard(pages, "applicant")
    page.goto("/applications/new/")
    pages.audit(page, "new application (keyboard)")
    keys.tab_to("#id_mode")
    page.keyboard.press("ArrowDown")  # the first mode after the empty choice
    keys.tab_to("#id_operation_name")
    keys.type("Operation Keyboard")
    keys.tab_to("#id_aim")
    keys.type("Locate people wanted on warrant, by keyboard alone.")
    keys.tab_to("#id_legitimate_aim")
    page.keyboard.press("ArrowDown")
    keys.tab_to("[name=legal_bases]")
    page.keyboard.press("Space")  # tick the first legal basis
    keys.tab_to("button[name=save_and_continue]")
    pages.shot(page, "save and continue focused")
    keys.enter()
    assert "/edit/case/" in page.url, page.url
    application = applicant.applications.get(operation_name="Operation Keyboard")
    assert application.mode and application.legitimate_aim and application.legal_bases


def test_decide_an_application_by_keyboard(pages, consulted):
    page, keys = signed_in_by_keyboard(pages, "supt")
    page.goto(f"/applications/{consulted.pk}/decide/")
    keys.tab_to("[name=decision]")  # the first radio: Authorise
    page.keyboard.press("Space")
    keys.tab_to("#id_reasons")
    keys.type("Necessary and proportionate, decided by keyboard.")
    keys.tab_to("#id_max_watchlist_size")
    keys.type("12")
    keys.tab_to("main button[type=submit]")
    pages.shot(page, "record the decision focused")
    keys.enter()
    consulted.refresh_from_db()
    assert consulted.status == ApplicationStatus.AUTHORISED, page.locator("main").inner_text()


def test_halt_a_deployment_by_keyboard(pages, running):  # noqa: F811
    page, keys = signed_in_by_keyboard(pages, running.silver_commander.username)
    page.goto(f"/deployments/{running.pk}/")
    keys.tab_to("#id_halt-reason")
    keys.type("Halted from the keyboard.")
    keys.tab_to("main button.govuk-button--warning")
    pages.shot(page, "halt focused")
    keys.enter()
    running.refresh_from_db()
    assert running.status == DeploymentStatus.HALTED, page.locator("main").inner_text()


def test_adjudicate_an_alert_by_keyboard(pages, alert, operator):  # noqa: F811
    page, keys = signed_in_by_keyboard(pages, operator.username)
    page.goto(f"/deployments/{alert.deployment_id}/alerts/")
    prefix = f"alert-{alert.pk}"
    keys.tab_to(f"[name={prefix}-decision]")  # the first radio: possible match
    page.keyboard.press("Space")
    keys.tab_to(f"#id_{prefix}-reason")
    keys.type("Same jawline and scar, compared by keyboard.")
    keys.tab_to(f"#alert-{alert.pk} button[type=submit]")
    pages.shot(page, "record the adjudication focused")
    keys.enter()
    alert.refresh_from_db()
    assert alert.decision == "possible_match", page.locator("main").inner_text()
