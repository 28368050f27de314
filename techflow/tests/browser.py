"""What the browser tests share: the two screen sizes, a browser context on the suite's clock,
signing in, and screenshots on request."""

import os
from pathlib import Path

from django.utils import timezone

from conftest import PASSWORD

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_context(browser, **options):
    """A browser context whose pages' JavaScript clock (Date, Date.now) starts at the tests' clock.

    The server side already runs on the pinned clock (time_machine patches the process, the
    live_server thread included); this puts the page's clock at the same instant, still running.
    """
    context = browser.new_context(**options)
    context.clock.set_system_time(timezone.now())
    return context


def sign_in(page, base_url: str, username: str, *, password: str = PASSWORD, then: str | None = None) -> None:
    """Sign in through the login page; with `then` (a path), wait until the browser has arrived there."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if then is not None:
        page.wait_for_url(f"{base_url}{then}")


def shot(page, name: str, *, full_page: bool = True) -> None:
    """Keep a screenshot of the page in $SCREENSHOT_DIR, when it is set, to look at."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def contrast_violations(page) -> list[str]:
    """What axe-core's WCAG AA colour-contrast rule finds on the page, one line per element.

    axe-core is vendored by `make vendor` (.ci/vendor-static.sh) and evaluated in the page by
    Playwright (not a script tag, so the page's own Content-Security-Policy is not involved).
    """
    assert AXE.exists(), f"{AXE} is missing: run `make vendor` (.ci/vendor-static.sh) to fetch axe-core"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}});
            return r.violations.flatMap(v => v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary));
        }"""
    )
    return result
