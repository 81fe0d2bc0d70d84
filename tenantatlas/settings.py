"""TenantAtlas settings: one module, read from the environment (see .env.example)."""

from __future__ import annotations

import os
import sys
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
                "operations.context_processors.notifications",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
STATIC_ROOT = BASE_DIR / "var" / "static"
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
        "DEFAULT_TIMEOUT": env_int("RUN_JOB_TIMEOUT", 900),
        "CONNECTION_KWARGS": {"socket_connect_timeout": 2, "socket_timeout": 10},
    },
}
RQ_SHOW_ADMIN_LINK = True

# Operation runs: how long a running run may stay silent before the recovery
# check declares its worker lost, and how long a queued run may wait for its
# job to appear in Redis.
RUN_HEARTBEAT_TIMEOUT = env_int("RUN_HEARTBEAT_TIMEOUT", 90)
RUN_QUEUED_GRACE = env_int("RUN_QUEUED_GRACE", 60)
RUN_FAILURE_CAP = env_int("RUN_FAILURE_CAP", 200)
# The most policies one "Add policies" run may take (a bigger selection is refused).
BACKUP_ADD_MAX_POLICIES = env_int("BACKUP_ADD_MAX_POLICIES", 5000)
# The longest Retry-After a Graph sync waits out (the run heartbeats meanwhile); a longer
# one fails the sync as throttled instead of retrying early.
GRAPH_RETRY_AFTER_MAX = env_int("GRAPH_RETRY_AFTER_MAX", 300)

# Seconds a demo-source inventory sync spreads its work over, so that its
# progress can be watched (`make run` sets 15); 0 = as fast as it goes (tests).
DEMO_SYNC_SECONDS = float(env_str("DEMO_SYNC_SECONDS", "0") or 0)

# Fernet key that encrypts tenant Graph client secrets at rest. In DEBUG a key
# derived from SECRET_KEY is used so the demo needs no set-up.
CREDENTIALS_KEY = env_str("CREDENTIALS_KEY")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# Set SECURE_COOKIES=1 when the site is served over HTTPS.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

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

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
