"""What the browser tests share: the two screen sizes and screenshots on request."""

import os
from pathlib import Path

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def shot(page, name: str, *, full_page: bool = True) -> None:
    """Keep a screenshot of the page in $SCREENSHOT_DIR, when it is set, to look at."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
