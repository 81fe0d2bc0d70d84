"""TenantAtlas settings: one module, read from the environment (see .env.example)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
TESTING = "pytest" in sys.modules  # pytest is imported before it loads the settings
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment "
            "(or DEBUG=1 for a local demo, which uses an insecure development key)."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_rq",
    "tenantatlas",
    "operations",
    "inventory",
    "drift",
    "backups",
    "monitoring",
]
# The zero-set-up demo (`make run`, the tests): the demo policy source, its pacing and
# `seed_demo`, all in the demo app. Off by default: production never imports it, and a
# tenant without a connection is "not connected" instead of getting generated policies.
DEMO_ENABLED = env_bool("DEMO_ENABLED", default=TESTING)
if DEMO_ENABLED:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tenantatlas.csp.TenantAtlasCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tenantatlas.notfound.NotFoundPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenantatlas.tenancy.TenantMiddleware",
    "tenantatlas.timezones.TimeZoneMiddleware",  # after the tenant: its zone is the fallback
]

ROOT_URLCONF = "tenantatlas.urls"
WSGI_APPLICATION = "tenantatlas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenantatlas.context_processors.tenancy",
                "monitoring.context_processors.notifications",
                "monitoring.context_processors.polling",
            ],
        },
    },
]

# The zero-set-up demo runs on SQLite; a web process and a worker write at
# once, so WAL, a busy timeout and IMMEDIATE transactions keep "database is
# locked" away (a deferred transaction that upgrades to a write cannot wait).
SQLITE_PATH = BASE_DIR / "var" / "tenantatlas.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
# --- The database as a dependency that fails well (issue #10) ---------------
# PostgreSQL goes through tenantatlas.db: a connect timeout, a statement
# timeout (short for web requests, longer for workers and commands) and a
# client-side answer deadline, so a database that is down, blipped or silent
# costs a request seconds and a 503 page, never a hang. CONN_HEALTH_CHECKS
# makes a persistent connection that died in a blip be replaced before use
# instead of failing the next request of every web worker.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5)  # seconds; libpq's minimum is 2
DB_STATEMENT_TIMEOUT = env_float("DB_STATEMENT_TIMEOUT", 10)  # web requests; 0 = none
DB_BACKGROUND_STATEMENT_TIMEOUT = env_float("DB_BACKGROUND_STATEMENT_TIMEOUT", 300)  # 0 = none
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "tenantatlas.db"
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT
# --- end of the database-failure block --------------------------------------

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `manage.py collectstatic` writes; with DEBUG=0 the web server refuses to start without it.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Redis and RQ. Short socket timeouts: a dead Redis must fail a start in
# seconds (the run is marked failed and the person told), not hang a request.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Tests never touch a development Redis's data: under pytest the same server is
# used with its own database number (TEST_REDIS_DB), which the suite flushes.
# Each pytest-xdist worker gwN takes TEST_REDIS_DB - N, as pytest-django gives
# it its own PostgreSQL database (test_<name>_gwN): workers never flush each other.
if TESTING:
    _xdist_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    _test_redis_db = env_int("TEST_REDIS_DB", 15) - _xdist_worker
    if _test_redis_db < 0:
        raise ImproperlyConfigured(
            f"TEST_REDIS_DB leaves no Redis database for xdist worker gw{_xdist_worker}: "
            "raise TEST_REDIS_DB or run fewer workers (-n)."
        )
    REDIS_URL = urlsplit(REDIS_URL)._replace(path=f"/{_test_redis_db}").geturl()
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL,
        "DEFAULT_TIMEOUT": env_int("RUN_JOB_TIMEOUT", 3600),
        "CONNECTION_KWARGS": {"socket_connect_timeout": 2, "socket_timeout": 10},
    },
}
RQ_SHOW_ADMIN_LINK = True
# Our worker class warms the URL resolver before forking job horses, and tells
# a run at once why its work horse died (SIGKILL, cold stop): operations/worker.py.
RQ = {"WORKER_CLASS": "operations.worker.RunWorker"}

# Operation runs: a thread in the work horse writes the run's heartbeat every
# RUN_HEARTBEAT_INTERVAL seconds; the reaper (manage.py run_reaper, every
# REAPER_INTERVAL seconds) declares a running run lost after
# RUN_HEARTBEAT_TIMEOUT seconds of silence (defaults: lost within 45 + 10 s),
# and fails a queued run whose job is not in Redis after RUN_QUEUED_GRACE.
# RUN_JOB_TIMEOUT is the ceiling over every run type's own timeout.
RUN_HEARTBEAT_INTERVAL = env_float("RUN_HEARTBEAT_INTERVAL", 10.0)
RUN_HEARTBEAT_TIMEOUT = env_int("RUN_HEARTBEAT_TIMEOUT", 45)
RUN_QUEUED_GRACE = env_int("RUN_QUEUED_GRACE", 60)
RUN_JOB_TIMEOUT = env_int("RUN_JOB_TIMEOUT", 3600)
REAPER_INTERVAL = env_float("REAPER_INTERVAL", 10.0)
RUN_FAILURE_CAP = env_int("RUN_FAILURE_CAP", 200)
# The most policies one "Add policies" run may take (a bigger selection is refused).
BACKUP_ADD_MAX_POLICIES = env_int("BACKUP_ADD_MAX_POLICIES", 5000)
# The longest Retry-After a Graph sync waits out (the run heartbeats meanwhile); a longer
# one fails the sync as throttled instead of retrying early.
GRAPH_RETRY_AFTER_MAX = env_int("GRAPH_RETRY_AFTER_MAX", 300)

# Seconds a demo-source inventory sync spreads its work over, so that its
# progress can be watched (`make run` sets 15); 0 = as fast as it goes (tests).
# Read by the demo app only (DEMO_ENABLED).
DEMO_SYNC_SECONDS = float(env_str("DEMO_SYNC_SECONDS", "0") or 0)

# How often a page asks again while something on it is live (htmx "every"): a
# run's progress and the list's rows (HUB_POLL_SECONDS), the bell while a run
# its person started is active (BELL_POLL_SECONDS). The browser tests make both
# short, so they watch the same behaviour in less time.
HUB_POLL_SECONDS = env_float("HUB_POLL_SECONDS", 2.0)
BELL_POLL_SECONDS = env_float("BELL_POLL_SECONDS", 3.0)

# Fernet key that encrypts tenant Graph client secrets at rest. In DEBUG a key
# derived from SECRET_KEY is used so the demo needs no set-up.
CREDENTIALS_KEY = env_str("CREDENTIALS_KEY")

BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Django's database sessions, read by SQL written once (tenantatlas/sessions.py).
SESSION_ENGINE = "tenantatlas.sessions"
# Set SECURE_COOKIES=1 when the site is served over HTTPS.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Production hardening (issue #10) ----------------------------------------
# HTTPS from the environment: the README's production settings turn all of it
# on, and `manage.py check --deploy` with them reports nothing (a test holds it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
# No page uses these browser features; say so, so an injected script cannot either.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)
MIDDLEWARE += [
    "tenantatlas.security.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]
INSTALLED_APPS += ["axes"]

# Sign-in throttling (django-axes): failures are counted per username AND
# address together, so someone elsewhere cannot lock a person out by failing
# on their name; the lock lifts by itself after the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the person's preferences with the user.
    "tenantatlas.auth.PreferencesBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tenantatlas.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# E-mail (Django 6.1's MAILERS): password reset exists only when mail can be
# sent, i.e. EMAIL_HOST is set. Without it there is no mailer, on purpose:
# reset is the only mail the app sends, so Django's "no default mailer"
# warning (mail.W001) would only repeat that on every command.
MAIL_HOST = env_str("EMAIL_HOST")
MAILERS: dict[str, Any] = {}
if MAIL_HOST:
    MAILERS["default"] = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": MAIL_HOST,
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            "timeout": 10,
        },
    }
else:
    SILENCED_SYSTEM_CHECKS = ["mail.W001"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TenantAtlas <noreply@localhost>")
PASSWORD_RESET_ENABLED = bool(MAIL_HOST)
# --- end of the production-hardening block -----------------------------------

# --- Content-Security-Policy (Django's built-in; nonces for our own scripts) ---
# Every page: scripts and styles from this site only (scripts with the
# request's nonce), no inline handlers or style attributes, no framing.
SECURE_CSP: dict[str, Any] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# The admin and the django-rq dashboard (staff only) use inline scripts and styles.
ADMIN_CSP: dict[str, Any] = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
}

# --- logging: every record through the sanitizer (issue #12) ----------------------------
# The filter sits on every handler. RQ's and django-rq's loggers propagate to
# the root's filtered handler; RQ's own set-up adds its unfiltered handlers only
# to a logger without an effective handler, so it leaves them alone. Django's
# own defaults (applied before this) put unfiltered handlers on "django" (a
# console when DEBUG, the admin e-mail) and "django.server" (runserver's request
# lines, query strings included): naming those loggers here drops their handlers,
# so they propagate to the root's filtered one too. A handler added later must
# list "sanitize" in its filters.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
_SANITIZED_CONSOLE = {"level": LOG_LEVEL, "propagate": True}
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"sanitize": {"()": "operations.log_filter.SanitizingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["sanitize"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        name: dict(_SANITIZED_CONSOLE)
        for name in ("rq", "rq.worker", "django_rq", "django", "django.server")
    },
}
# --- end logging ---------------------------------------------------------------------------
