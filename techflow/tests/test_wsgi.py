"""The production entry point leaves what it loaded out of the garbage collector's walks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys
import techflow.wsgi
frozen = gc.get_freeze_count()
print(frozen, "dispatch.views" in sys.modules, "fieldops.views" in sys.modules)
"""


def test_importing_the_wsgi_application_loads_the_views_and_freezes_them():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "techflow.settings", "DEBUG": "true"}
    env.pop("DATABASE_URL", None)  # no database is touched: SQLite's default path is enough
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    frozen, views, field_views = int(out[0]), out[1], out[2]
    # The loaded app is about 100,000 objects (none are frozen without the freeze).
    assert frozen > 50_000
    assert (views, field_views) == ("True", "True")
