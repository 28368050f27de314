"""TechFlow settings: one file, configured from the environment (django-environ)."""

from pathlib import Path

import environ
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; production sets real variables.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Off unless said otherwise; manage.py (development) sets TECHFLOW_DEBUG_DEFAULT=true.
DEBUG = env.bool("DEBUG", default=env.bool("TECHFLOW_DEBUG_DEFAULT", default=False))

_DEV_SECRET_KEY = "django-insecure-techflow-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (for local development set DEBUG=true; see .env.example)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own widget templates, for the project's form renderer (TemplatesSetting).
    "django.forms",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "dispatch",
    "inventory",
    "fieldops",
    "techflow.apps.TechflowConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise so static files get CORP too; Cache-Control: no-store for signed-in users;
    # logs permission denials and 4xx floods (techflow/security.py).
    "techflow.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A database that is down or busy answers 503 with Retry-After, not 500.
    "techflow.middleware.DatabaseUnavailableMiddleware",
    # Idle timeout and absolute lifetime of a session; then the login throttle (after CSRF).
    "techflow.security.SessionLifetimeMiddleware",
    "techflow.security.LoginThrottleMiddleware",
    # Deny by default: every view needs a signed-in user unless marked
    # @login_not_required (login page, health check).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "techflow.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The one time and duration formatter, in every template (dispatch.formatting).
            "builtins": ["dispatch.templatetags.formatting"],
        },
    },
]

# One form renderer: Bootstrap classes on widgets, templates/forms/field.html per field.
FORM_RENDERER = "dispatch.forms.FormRenderer"

# One list-table template for every django-tables2 table: sort and page links swap the results.
DJANGO_TABLES2_TEMPLATE = "partials/table.html"

WSGI_APPLICATION = "techflow.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Every session waits at most this long for a row lock, and runs no statement longer, so a
# held lock makes a request fail fast (503, "try again") instead of hanging its worker.
# Maintenance commands (backup, db_maintenance, archive_work_orders) lift the statement limit.
TECHFLOW_DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=5000)
TECHFLOW_DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c lock_timeout={TECHFLOW_DB_LOCK_TIMEOUT_MS} "
        f"-c statement_timeout={TECHFLOW_DB_STATEMENT_TIMEOUT_MS}"
    ).strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite's only wait is for the database lock (seconds).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", TECHFLOW_DB_LOCK_TIMEOUT_MS / 1000)
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The company's own zone: times are stored in UTC and shown in this zone.
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# Django's own hashers; in development also a cheap one the demo's users get (techflow/hashers.py).
PASSWORD_HASHERS = list(global_settings.PASSWORD_HASHERS)
if DEBUG:
    PASSWORD_HASHERS.append("techflow.hashers.DemoPasswordHasher")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Photos, signatures and attachments go through Django's storage API: local files under MEDIA_ROOT
# by default (never served as static files: fieldops' views check who may see each one). With more
# than one app server use an S3-compatible store (README "Files"): TECHFLOW_FILE_STORAGE names the
# backend, e.g. storages.backends.s3.S3Storage from django-storages.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env.str("TECHFLOW_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security baseline. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Other sites may not embed our files or hold a window on our pages (COOP is Django's default).
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Static files are ours alone: no Access-Control-Allow-Origin: * (CORP is added by techflow.security).
WHITENOISE_ALLOW_ALL_ORIGINS = False

# Login throttle (techflow/security.py): this many failed sign-ins for one username, or from one
# address (an office behind one NAT address shares it, hence more), within the window lock that
# username / address out for TECHFLOW_LOGIN_LOCKOUT seconds, on /login/ and /admin/login/.
TECHFLOW_LOGIN_FAILURES_PER_USER = env.int("TECHFLOW_LOGIN_FAILURES_PER_USER", default=5)
TECHFLOW_LOGIN_FAILURES_PER_ADDRESS = env.int("TECHFLOW_LOGIN_FAILURES_PER_ADDRESS", default=20)
TECHFLOW_LOGIN_FAILURE_WINDOW = env.int("TECHFLOW_LOGIN_FAILURE_WINDOW", default=15 * 60)
TECHFLOW_LOGIN_LOCKOUT = env.int("TECHFLOW_LOGIN_LOCKOUT", default=15 * 60)
# Behind N reverse proxies that append to X-Forwarded-For, the client address is the Nth from the right.
TECHFLOW_TRUSTED_PROXIES = env.int("TECHFLOW_TRUSTED_PROXIES", default=0)
# A 4xx flood: this many 4xx answers to one address within the window, logged once per window.
TECHFLOW_4XX_FLOOD_LIMIT = env.int("TECHFLOW_4XX_FLOOD_LIMIT", default=50)
TECHFLOW_4XX_FLOOD_WINDOW = env.int("TECHFLOW_4XX_FLOOD_WINDOW", default=60)

# Sessions (README "Sessions"): idle timeout set at sign-in by role, and an absolute lifetime.
# A technician's phone sits in a pocket between jobs all shift; an office browser is left on a desk.
TECHFLOW_SESSION_IDLE_TECHNICIAN = env.int("TECHFLOW_SESSION_IDLE_TECHNICIAN", default=12 * 3600)
TECHFLOW_SESSION_IDLE_OFFICE = env.int("TECHFLOW_SESSION_IDLE_OFFICE", default=3600)
TECHFLOW_SESSION_LIFETIME = env.int("TECHFLOW_SESSION_LIFETIME", default=14 * 3600)
SESSION_COOKIE_AGE = TECHFLOW_SESSION_LIFETIME
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the app over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: HTTPS only, this host only, path / (no subdomain can set or read them).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Dispatch rules: the board and the assignment forms refuse a technician's third job of a day.
TECHFLOW_MAX_JOBS_PER_DAY = env.int("TECHFLOW_MAX_JOBS_PER_DAY", default=2)

# The job's record (fieldops/record_services.py): an upload larger than this, or that is not a
# JPEG, PNG, WebP or PDF by its content, is refused with a message; images above this many pixels too.
TECHFLOW_UPLOAD_MAX_BYTES = env.int("TECHFLOW_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
TECHFLOW_UPLOAD_MAX_PIXELS = env.int("TECHFLOW_UPLOAD_MAX_PIXELS", default=40_000_000)
# Device credentials in the equipment register are encrypted with this Fernet key (32 url-safe
# base64 bytes, `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`);
# empty: a key derived from SECRET_KEY (rotating SECRET_KEY then makes stored credentials unreadable).
TECHFLOW_CREDENTIALS_KEY = env.str("TECHFLOW_CREDENTIALS_KEY", default="")

# Operations (see the README's Deploy section).
TECHFLOW_BACKUP_DIR = env.path("TECHFLOW_BACKUP_DIR", default=BASE_DIR / "backups")
# The System page flags, and records an operational event for, queries running longer than this.
TECHFLOW_LONG_QUERY_SECONDS = env.int("TECHFLOW_LONG_QUERY_SECONDS", default=60)
# db_maintenance deletes idempotency keys older than this: a phone replays its queue within hours.
TECHFLOW_PROCESSED_ACTIONS_RETENTION_DAYS = env.int("TECHFLOW_PROCESSED_ACTIONS_RETENTION_DAYS", default=30)
# The voice agent's optional language-model backend, for what the rules call "unknown" only:
# an OpenAI-compatible chat endpoint (a local llama.cpp or Ollama server). Empty: rules only.
TECHFLOW_AGENT_LLM_URL = env.str("TECHFLOW_AGENT_LLM_URL", default="")
TECHFLOW_AGENT_LLM_MODEL = env.str("TECHFLOW_AGENT_LLM_MODEL", default="local")
TECHFLOW_AGENT_LLM_TIMEOUT = env.float("TECHFLOW_AGENT_LLM_TIMEOUT", default=2.0)

# The `security` logger (README "Security log"): one line per event to stdout, key=value text or
# JSON lines (SECURITY_LOG_FORMAT=json); Django's own security records (DisallowedHost, CSRF) too,
# on one line without a traceback.
SECURITY_LOG_FORMAT = env.str("SECURITY_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line": {"()": "techflow.seclog.OneLine"}},
    "formatters": {
        "security_text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "security_json": {"()": "techflow.seclog.JsonLines"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["one_line"],
            "formatter": "security_json" if SECURITY_LOG_FORMAT == "json" else "security_text",
        },
    },
    "loggers": {
        "security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The seed's index names (idx_technician_clock_records_date, ...) are longer than
# Django's cross-database limit of 30 characters; PostgreSQL and SQLite take them.
SILENCED_SYSTEM_CHECKS = ["models.E034"]
