"""Django settings. Everything that differs between machines comes from the environment (README)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KECHUANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# KECHUANG_ENV=production switches on every deployment safeguard; development is the default so
# that `make run` works on a fresh machine with nothing configured.
ENVIRONMENT = os.environ.get("KECHUANG_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
# DEBUG is off unless asked for (KECHUANG_DEBUG=1), also under `make run`: Django's debug pages list every URL
# and setting of the platform to whoever mistypes an address.
DEBUG = os.environ.get("KECHUANG_DEBUG", "0") == "1" and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("KECHUANG_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("KECHUANG_SECRET_KEY must be set when KECHUANG_ENV=production")
    # Development: one random key per checkout, kept under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("KECHUANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("KECHUANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Our apps come before django.contrib.admin so that their translations win for shared msgids (admin's "Filter"
# is 过滤器; the platform says 筛选).
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "ninja",
    "kechuang.core",
    "kechuang.indicators",
    "kechuang.policy",
    "kechuang.supervision",
    "kechuang.enterprises",
    "kechuang.techmarket",
    "django.contrib.admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kechuang.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kechuang.core.input_guard.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kechuang.core.middleware.UploadInspectionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kechuang.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kechuang.urls"
WSGI_APPLICATION = "kechuang.wsgi.application"
ASGI_APPLICATION = "kechuang.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kechuang.core.context_processors.layout",
            ],
        },
    },
]
# Every date field renders as an ISO date picker, whatever the language (issue 10, defect 1).
FORM_RENDERER = "kechuang.core.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kechuang.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the pages read while a long import writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "kechuang.core.passwords.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cockpit"
LOGOUT_REDIRECT_URL = "login"

# 等保 2.0 level 3 practice (security-baseline.md §1): lock after 5 failures for 30 min, 30-min idle timeout.
AXES_FAILURE_LIMIT = int(os.environ.get("KECHUANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KECHUANG_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
SESSION_COOKIE_AGE = int(os.environ.get("KECHUANG_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and os.environ.get("KECHUANG_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind the documented reverse proxy: trust its X-Forwarded-Proto, and X-Forwarded-For as far as the trusted
# hops go (core.middleware.client_ip, the one reader of the client address: audit, log-in locks, rate limits).
KECHUANG_BEHIND_PROXY = os.environ.get("KECHUANG_BEHIND_PROXY") == "1"
KECHUANG_TRUSTED_PROXIES = [p for p in os.environ.get("KECHUANG_TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_CLIENT_IP_CALLABLE = "kechuang.core.middleware.client_ip"
if KECHUANG_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts anywhere: page data reaches scripts through json_script elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its own kechuang/<app>/locale catalogue, so modules are translated independently.
TIME_ZONE = os.environ.get("KECHUANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION  # development serves straight from the apps, no collectstatic needed
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Mail (reminders, notices): the console in development; SMTP configured by the environment in production.
EMAIL_BACKEND = os.environ.get(
    "KECHUANG_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("KECHUANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KECHUANG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KECHUANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KECHUANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("KECHUANG_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("KECHUANG_EMAIL_FROM", "kechuang@localhost")
# Uploads are streamed to disk above 2.5 MB; each module states and enforces its own per-file limit.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# The whole request body, files included, is refused with 413 above this (core.middleware.RequestSizeLimitMiddleware);
# the largest per-file limit is 20 MB, plus room for the form around it.
KECHUANG_MAX_REQUEST_BYTES = int(os.environ.get("KECHUANG_MAX_REQUEST_MB", "25")) * 1024 * 1024
# Hostile-file limits every upload is checked against before parsing (core/uploads.py).
KECHUANG_UPLOAD_MAX_UNZIPPED_BYTES = int(os.environ.get("KECHUANG_UPLOAD_MAX_UNZIPPED_MB", "256")) * 1024 * 1024
KECHUANG_UPLOAD_MAX_RATIO = int(os.environ.get("KECHUANG_UPLOAD_MAX_RATIO", "100"))
KECHUANG_UPLOAD_MAX_MEMBERS = 2000
KECHUANG_UPLOAD_MAX_SHEET_ROWS = 200_001  # the largest import (enterprises) takes 200,000 rows and a header
KECHUANG_UPLOAD_MAX_SHEET_COLUMNS = 200
KECHUANG_UPLOAD_MAX_SHEET_CELLS = 12_000_000
# Every list export (core/exports.py) refuses more rows than this and asks the reader to narrow the filters.
KECHUANG_EXPORT_MAX_ROWS = int(os.environ.get("KECHUANG_EXPORT_MAX_ROWS", "100000"))

# The audit chain is keyed separately from SECRET_KEY when KECHUANG_AUDIT_KEY is given, so that
# whoever can read the database cannot re-forge the chain.
AUDIT_KEY = os.environ.get("KECHUANG_AUDIT_KEY", SECRET_KEY)
AUDIT_RETENTION_DAYS = 184

# The policy `make run` loads and the cockpit shows first.
KECHUANG_POLICY_FILE = os.environ.get("KECHUANG_POLICY_FILE", str(BASE_DIR / "policies" / "zibo-kefa-2023-22.yaml"))
KECHUANG_DEFAULT_POLICY = os.environ.get("KECHUANG_DEFAULT_POLICY", "zibo-kefa-2023-22")

# Technology market: optional dense re-ranking with a sentence-transformers model already on disk (never
# downloaded; the package sentence-transformers must be installed separately). Empty = off.
TECHMARKET_DENSE_MODEL_PATH = os.environ.get("KECHUANG_MATCH_DENSE_MODEL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KECHUANG_LOG_LEVEL", "WARNING")},
}
KECHUANG_ADMIN_PATH = os.environ.get("KECHUANG_ADMIN_PATH", "site-admin/")
# Locking by user name from any IP is the baseline's choice (security-baseline.md §2); adding the IP as a
# separate lock key would let one mistyped password behind the bureau's NAT lock out every colleague.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
