"""TechFlow settings: one file, configured from the environment (django-environ)."""

from pathlib import Path

import environ
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

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
    # Django's admin, with every change recorded and history read only (techflow/admin_site.py).
    "techflow.apps.TechflowAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own widget templates, for the project's form renderer (TemplatesSetting).
    "django.forms",
    "django_htmx",
    # TOTP two-factor sign-in for office staff and admins (techflow/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tables2",
    "django_filters",
    # The database backend of Django's tasks framework (TASKS below; its worker: db_worker).
    "django_tasks_db",
    "dispatch",
    "inventory",
    "fieldops",
    "techflow.apps.TechflowConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, static files included (SECURE_CSP below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before WhiteNoise so static files get CORP too; Cache-Control: no-store for signed-in users;
    # logs permission denials and 4xx floods (techflow/security.py).
    "techflow.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML and JSON compressed in transit (static files come compressed from WhiteNoise, above it).
    # BREACH: see ARCHITECTURE.md "Compression and caching".
    "django.middleware.gzip.GZipMiddleware",
    # A body not in UTF-8, an unreadable form, a NUL in a value: a 400 that says so (techflow/security.py).
    "techflow.security.RequestInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A database that is down or busy answers 503 with Retry-After, not 500.
    "techflow.middleware.DatabaseUnavailableMiddleware",
    # Idle timeout and absolute lifetime of a session; then the login throttle (after CSRF).
    "techflow.security.SessionLifetimeMiddleware",
    "techflow.security.LoginThrottleMiddleware",
    # The second step after the password: who must give a TOTP code, and nothing else until they do.
    "django_otp.middleware.OTPMiddleware",
    "techflow.two_factor.TwoFactorMiddleware",
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
                # {{ csp_nonce }} for the few <style> blocks (never a script: all JS is in static/).
                "django.template.context_processors.csp",
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
# No JIT compilation: the pages' statements run in milliseconds, and PostgreSQL compiles any
# statement whose estimated cost passes jit_above_cost. The reports' per-technician count (its
# follow-up subquery estimated high) spent 310 ms compiling to run in 17.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c lock_timeout={TECHFLOW_DB_LOCK_TIMEOUT_MS} "
        f"-c statement_timeout={TECHFLOW_DB_STATEMENT_TIMEOUT_MS} -c jit=off"
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
# than one app server use an S3-compatible store (README "Files"): TECHFLOW_S3_BUCKET switches the
# default storage to django-storages' S3 backend (techflow/s3.py), with TECHFLOW_S3_ENDPOINT_URL
# (MinIO, Ceph, R2...; empty: AWS), TECHFLOW_S3_REGION and TECHFLOW_S3_ACCESS_KEY/_SECRET_KEY (empty:
# boto3's own lookup). TECHFLOW_FILE_STORAGE names any other backend.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env.str("TECHFLOW_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        # Production: hashed names, brotli and gzip copies, the manifest's icons hashed (techflow/storage.py).
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "techflow.storage.StaticFilesStorage"
    },
}
TECHFLOW_S3_BUCKET = env.str("TECHFLOW_S3_BUCKET", default="")
if TECHFLOW_S3_BUCKET:
    from techflow.s3 import s3_storage

    STORAGES["default"] = s3_storage(
        bucket=TECHFLOW_S3_BUCKET,
        endpoint_url=env.str("TECHFLOW_S3_ENDPOINT_URL", default=""),
        region=env.str("TECHFLOW_S3_REGION", default=""),
        access_key=env.str("TECHFLOW_S3_ACCESS_KEY", default=""),
        secret_key=env.str("TECHFLOW_S3_SECRET_KEY", default=""),
    )

# Security baseline. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Other sites may not embed our files or hold a window on our pages (COOP is Django's default).
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Static files are ours alone: no Access-Control-Allow-Origin: * (CORP is added by techflow.security).
WHITENOISE_ALLOW_ALL_ORIGINS = False

# A strict Content-Security-Policy (README "Security headers"): our own origin only, no inline script
# or eval (htmx runs with allowEval off), inline <style> only with the request's nonce, no plugins,
# no <base>, no framing. Static files get it too (the middleware sits before WhiteNoise).
# Maps (dispatch/geo.py, dispatch/routing.py; README "Maps and drive times"): the tile server the
# dispatch map and the customer form draw under their pins (pins render without tiles too), an
# optional Nominatim-compatible geocoder for address search, and an optional OSRM server for
# drive times (straight line x road factor / average speed without one).
TECHFLOW_MAP_TILE_URL = env.str(
    "TECHFLOW_MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
TECHFLOW_MAP_ATTRIBUTION = env.str("TECHFLOW_MAP_ATTRIBUTION", default="© OpenStreetMap contributors")
# Where a map looks when it has no pin: "latitude,longitude" (the demo's city).
TECHFLOW_MAP_CENTER = [float(v) for v in env.list("TECHFLOW_MAP_CENTER", default=["40.7128", "-74.0060"])]
TECHFLOW_GEOCODER_URL = env.str("TECHFLOW_GEOCODER_URL", default="")
TECHFLOW_GEOCODER_TIMEOUT = env.float("TECHFLOW_GEOCODER_TIMEOUT", default=5.0)
TECHFLOW_ROUTING_URL = env.str("TECHFLOW_ROUTING_URL", default="")
TECHFLOW_ROUTING_TIMEOUT = env.float("TECHFLOW_ROUTING_TIMEOUT", default=5.0)
TECHFLOW_ROAD_FACTOR = env.float("TECHFLOW_ROAD_FACTOR", default=1.3)
TECHFLOW_AVERAGE_SPEED_KMH = env.float("TECHFLOW_AVERAGE_SPEED_KMH", default=40.0)


def _tile_origin(url: str) -> str:
    """The scheme and host of a tile URL template ('https://{s}.tile.example.org' → https://*.tile...)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # Bootstrap draws checkboxes and select arrows with data: SVGs.
    # ...and the map's tiles come from the tile server.
    "img-src": [CSP.SELF, "data:", *filter(None, [_tile_origin(TECHFLOW_MAP_TILE_URL)])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

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

# Two-factor sign-in (README "Two-factor sign-in"): who must enrol an authenticator app and give a
# TOTP code after the password: "superusers" (default), "staff" (office staff too) or "none".
TECHFLOW_2FA_REQUIRED = env.str("TECHFLOW_2FA_REQUIRED", default="superusers")
if TECHFLOW_2FA_REQUIRED not in ("none", "superusers", "staff"):
    raise ImproperlyConfigured("TECHFLOW_2FA_REQUIRED must be none, superusers or staff.")
OTP_TOTP_ISSUER = "TechFlow"

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

# --- Background tasks (README "Background worker") ---------------------------------------------
# Django's tasks framework. "database" (default): tasks are rows the worker runs
# (`python manage.py db_worker`); "immediate": a task runs inside the request that enqueues it
# (no worker; for a single-process setup, and the tests that are not about the worker).
TECHFLOW_TASKS_BACKEND = env.str("TECHFLOW_TASKS_BACKEND", default="database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }[TECHFLOW_TASKS_BACKEND],
    }
}
# "Plan the week" stops searching after this many seconds and proposes what it has (partial, saying so).
TECHFLOW_PLANNER_TIME_BOX = env.float("TECHFLOW_PLANNER_TIME_BOX", default=25.0)
# "search" (the exact search over the rules) or "ortools" (travel-aware, dispatch.optimiser).
TECHFLOW_PLANNER_ENGINE = env.str("TECHFLOW_PLANNER_ENGINE", default="ortools")
# Periodic jobs (techflow/periodic.py): the worker's tick runs the due ones every this many seconds.
TECHFLOW_PERIODIC_TICK = env.int("TECHFLOW_PERIODIC_TICK", default=15)
# The stored files check (techflow/storage_check.py) asks the file store about this many files a
# run (every 10 minutes on the worker): a HEAD request each on S3.
TECHFLOW_STORED_FILES_BATCH = env.int("TECHFLOW_STORED_FILES_BATCH", default=200)
# --- end of background tasks --------------------------------------------------------------------

# Dispatch rules: an optional cap on a technician's jobs a day (0: no cap; the seed's is two a day).
TECHFLOW_MAX_JOBS_PER_DAY = env.int("TECHFLOW_MAX_JOBS_PER_DAY", default=2)
# The working hours of a technician with none of their own (HH:MM, company time zone).
TECHFLOW_WORK_START = env.str("TECHFLOW_WORK_START", default="07:00")
TECHFLOW_WORK_END = env.str("TECHFLOW_WORK_END", default="17:00")
# Their hours on Saturday and Sunday; empty: the same as on weekdays.
TECHFLOW_WEEKEND_WORK_START = env.str("TECHFLOW_WEEKEND_WORK_START", default="")
TECHFLOW_WEEKEND_WORK_END = env.str("TECHFLOW_WEEKEND_WORK_END", default="")

# The phone: an action saved offline is recorded at the time it was tapped, when it arrives
# within this many hours of it (otherwise refused with the reason); Undo of a part used on a
# job is offered for this many minutes.
TECHFLOW_OFFLINE_MAX_AGE_HOURS = env.int("TECHFLOW_OFFLINE_MAX_AGE_HOURS", default=12)
TECHFLOW_PART_UNDO_MINUTES = env.int("TECHFLOW_PART_UNDO_MINUTES", default=5)
# The phone system's integration (README "Calls"): POST /api/calls/ with Authorization: Bearer <token>,
# one token per integration, comma-separated. Empty: the endpoint refuses every call (401).
TECHFLOW_PHONE_TOKENS = env.list("TECHFLOW_PHONE_TOKENS", default=[])

# Customer messages (README "Customer messages"). E-mail through Django's backends: EMAIL_URL, e.g.
# smtp+tls://user:password@smtp.example.com:587 (default: see below). Texts through
# TECHFLOW_SMS_BACKEND: "console" (logged, the default) or "twilio" (any Twilio-compatible REST API).
# Without EMAIL_URL: printed in development, Django's own default (SMTP on localhost) otherwise.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_email_options = {
    option: _email[key]
    for key, option in (
        ("EMAIL_HOST", "host"),
        ("EMAIL_PORT", "port"),
        ("EMAIL_HOST_USER", "username"),
        ("EMAIL_HOST_PASSWORD", "password"),
        ("EMAIL_USE_TLS", "use_tls"),
        ("EMAIL_USE_SSL", "use_ssl"),
    )
    if _email.get(key) not in (None, "")
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _email_options if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TechFlow <no-reply@localhost>")
TECHFLOW_COMPANY_NAME = env.str("TECHFLOW_COMPANY_NAME", default="TechFlow")
TECHFLOW_SMS_BACKEND = env.str("TECHFLOW_SMS_BACKEND", default="console")
TECHFLOW_SMS_URL = env.str("TECHFLOW_SMS_URL", default="https://api.twilio.com")
TECHFLOW_SMS_ACCOUNT_SID = env.str("TECHFLOW_SMS_ACCOUNT_SID", default="")
TECHFLOW_SMS_AUTH_TOKEN = env.str("TECHFLOW_SMS_AUTH_TOKEN", default="")
TECHFLOW_SMS_FROM = env.str("TECHFLOW_SMS_FROM", default="")
TECHFLOW_SMS_TIMEOUT = env.float("TECHFLOW_SMS_TIMEOUT", default=10.0)
# A message the provider refused is tried again this many times in all, waiting longer each time.
TECHFLOW_MESSAGE_ATTEMPTS = env.int("TECHFLOW_MESSAGE_ATTEMPTS", default=5)
# "On my way" gives the customer an arrival estimate this many minutes after travel starts.
TECHFLOW_ETA_MINUTES = env.int("TECHFLOW_ETA_MINUTES", default=30)
# Reminders for tomorrow's jobs go out when send_customer_messages runs at or after this hour.
TECHFLOW_REMINDER_HOUR = env.int("TECHFLOW_REMINDER_HOUR", default=17)

# Operational events raised by `raise_due_events` (README "Operational events"), in minutes: a
# technician not on site this long after a job's start, a job in progress this long past its
# planned end, a missed call or voicemail not called back this long.
TECHFLOW_LATE_START_MINUTES = env.int("TECHFLOW_LATE_START_MINUTES", default=15)
TECHFLOW_OVERRUN_MINUTES = env.int("TECHFLOW_OVERRUN_MINUTES", default=15)
TECHFLOW_MISSED_CALL_MINUTES = env.int("TECHFLOW_MISSED_CALL_MINUTES", default=60)
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

# A technician's emergency nobody in the office has acknowledged after this many seconds is
# escalated once: a second alert and a critical operational event (fieldops/incidents.py).
TECHFLOW_INCIDENT_ESCALATE_AFTER = env.int("TECHFLOW_INCIDENT_ESCALATE_AFTER", default=300)
# Web Push to the technicians' phones when their page is closed (dispatch/push.py). The private
# key is the VAPID key (base64url DER or PEM; `python manage.py vapid_keys` makes one); empty:
# no push, the open page still polls. The subject is the contact push services may write to.
TECHFLOW_VAPID_PRIVATE_KEY = env.str("TECHFLOW_VAPID_PRIVATE_KEY", default="", multiline=True)
TECHFLOW_VAPID_SUBJECT = env.str("TECHFLOW_VAPID_SUBJECT", default="mailto:office@example.com")
TECHFLOW_PUSH_TIMEOUT = env.float("TECHFLOW_PUSH_TIMEOUT", default=5.0)

# The `security` logger (README "Security log"): one line per event to stdout, key=value text or
# JSON lines (SECURITY_LOG_FORMAT=json); Django's own security records (DisallowedHost, CSRF) too,
# on one line without a traceback.
SECURITY_LOG_FORMAT = env.str("SECURITY_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "one_line": {"()": "techflow.seclog.OneLine"},
        "no_traceback_below_error": {"()": "techflow.seclog.NoTracebackBelowError"},
    },
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
        # A refused bad input (400) is a line, not a traceback.
        "django.request": {"filters": ["no_traceback_below_error"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The seed's index names (idx_technician_clock_records_date, ...) are longer than
# Django's cross-database limit of 30 characters; PostgreSQL and SQLite take them. The reports'
# covering index (idx_activity_site_visits) carries its extra columns on PostgreSQL only; on SQLite
# it is a plain partial index, which is all a newcomer's small database needs (models.W040).
SILENCED_SYSTEM_CHECKS = ["models.E034", "models.W040"]
