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
