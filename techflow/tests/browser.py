"""What the browser tests share: the two screen sizes, a browser context on the suite's clock, and
screenshots on request."""

import os
from pathlib import Path

from django.utils import timezone

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


def shot(page, name: str, *, full_page: bool = True) -> None:
    """Keep a screenshot of the page in $SCREENSHOT_DIR, when it is set, to look at."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
