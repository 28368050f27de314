"""Test overrides: fast hashing, plain static storage, DEBUG-independent."""

import os

os.environ.setdefault("SECRET_KEY", "techflow-test-only")

from techflow.settings import *  # noqa: E402,F403

# Fast hashing first; the demo's hasher too, as development settings (DEBUG on) offer it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "techflow.hashers.DemoPasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SECURE_SSL_REDIRECT = False
# Serve static files straight from the finders: no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run inside the request that enqueues them; the worker's own tests switch to the database
# backend (techflow/tests/test_worker.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Most tests sign staff in with force_login; the two-factor tests set the policy they check.
TECHFLOW_2FA_REQUIRED = "none"
# The live server answers each request on a new thread; a persistent connection would stay open
# after its thread ended (dozens per run: "database is being accessed by other users" at teardown,
# and a step closer to max_connections). Each request closes its own here.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
