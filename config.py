"""Configuration classes, read from ``LMS_*`` environment variables.

Each class reads the environment when it is instantiated (not at import), so tests and
the CLI can set variables first. ``load_config()`` picks the class named by ``LMS_CONFIG``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from limits import parse_many

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigurationError(f"expected a whole number, got {value!r}") from exc


def normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs use psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(f"LMS_{name}")
            return default if value is None or value == "" else value

        self.INSTANCE_PATH = str(Path(get("INSTANCE_PATH", str(BASE_DIR / "instance"))).resolve())
        self.SECRET_KEY = get("SECRET_KEY", DEV_SECRET_KEY)

        database_url = get("DATABASE_URL")
        self.DATABASE_URL_GIVEN = database_url is not None
        if database_url is None:
            database_url = f"sqlite:///{Path(self.INSTANCE_PATH) / 'lms.sqlite3'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
        # No pool_pre_ping on PostgreSQL: a connection the server closed is found at checkout
        # without a round trip (lms.database.drop_closed_connections).
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {}
        self.SQLITE_BUSY_TIMEOUT_MS = _int(get("SQLITE_BUSY_TIMEOUT_MS"), 5000)
        self.MIGRATIONS_DIR = str(BASE_DIR / "migrations")
        # Where uploads, certificate PDFs and job results live (lms/file_storage.py): "folder"
        # (the instance folder) or "database" (the file_blobs table: several instances).
        self.FILE_STORAGE = (get("FILE_STORAGE", "folder") or "folder").strip().lower()

        # Sessions and cookies.
        self.SESSION_COOKIE_NAME = "lms_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool(get("SECURE_COOKIES"), False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.SESSION_IDLE_DAYS = _int(get("SESSION_IDLE_DAYS"), 14)
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=self.SESSION_IDLE_DAYS)
        # However often it is used, a login session ends this long after it began.
        self.SESSION_MAX_DAYS = _int(get("SESSION_MAX_DAYS"), 30)

        # Forms: CSRF tokens live as long as the session, so a long form never expires.
        self.WTF_CSRF_TIME_LIMIT = None

        # Accounts.
        self.SIGNUP_OPEN = _bool(get("SIGNUP_OPEN"), True)
        self.PASSWORD_MIN_LENGTH = _int(get("PASSWORD_MIN_LENGTH"), 10)
        self.PASSWORD_RESET_HOURS = _int(get("PASSWORD_RESET_HOURS"), 72)
        self.ARGON2_TIME_COST = _int(get("ARGON2_TIME_COST"), 3)
        self.ARGON2_MEMORY_COST_KIB = _int(get("ARGON2_MEMORY_COST_KIB"), 65536)
        self.ARGON2_PARALLELISM = _int(get("ARGON2_PARALLELISM"), 4)

        # Rate limits (Flask-Limiter reads RATELIMIT_*; ours are the login and sign-up limits).
        self.RATELIMIT_STORAGE_URI = get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_KEY_PREFIX = get("RATELIMIT_KEY_PREFIX", "lms")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis down: count in this process's memory with the same limits (see
        # lms/rate_limits.py), and never fail a request because counting failed.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.REDIS_TIMEOUT_MS = _int(get("REDIS_TIMEOUT_MS"), 500)
        # Failed logins: per account and address; per address; per account from browsers
        # that never logged into it (lms/login_throttle.py explains why no lock-out).
        self.LOGIN_LIMIT_PER_ACCOUNT_AND_IP = get(
            "LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "10 per 15 minutes"
        )
        self.LOGIN_LIMIT_PER_ACCOUNT = get("LOGIN_LIMIT_PER_ACCOUNT", "50 per hour")
        self.LOGIN_LIMIT_PER_IP = get("LOGIN_LIMIT_PER_IP", "60 per 15 minutes")
        self.SIGNUP_LIMIT_PER_IP = get("SIGNUP_LIMIT_PER_IP", "50 per hour")
        # Downloads of one's own data (/account/export): each gathers every table about them.
        self.EXPORT_LIMIT_PER_USER = get("EXPORT_LIMIT_PER_USER", "5 per hour")
        self.VERIFY_LIMIT_PER_IP = get("VERIFY_LIMIT_PER_IP", "30 per minute; 500 per day")
        # Public lookups are counted in memory and written in batches (certificates/
        # lookup_counts.py): after this many lookups, or once the oldest is this old.
        self.VERIFY_LOOKUP_FLUSH_EVERY = _int(get("VERIFY_LOOKUP_FLUSH_EVERY"), 200)
        self.VERIFY_LOOKUP_FLUSH_SECONDS = _int(get("VERIFY_LOOKUP_FLUSH_SECONDS"), 30)

        # Requests.
        self.PROXY_FIX_HOPS = _int(get("PROXY_FIX_HOPS"), 0)
        self.MAX_CONTENT_LENGTH = _int(get("MAX_UPLOAD_MB"), 50) * 1024 * 1024
        self.COURSE_IMAGE_MAX_MB = _int(get("COURSE_IMAGE_MAX_MB"), 5)
        self.COURSE_MATERIAL_MAX_MB = _int(get("COURSE_MATERIAL_MAX_MB"), 20)
        self.COURSE_IMPORT_MAX_MB = _int(get("COURSE_IMPORT_MAX_MB"), 50)
        # What one import from the web page may hold, so it ends well inside a worker's time
        # (measured: 120 modules of 5 KB in about 3 s on SQLite, 5 s on PostgreSQL, 2 cores).
        # The command line (flask courses import) has no such limit.
        self.COURSE_IMPORT_MAX_MODULES = _int(get("COURSE_IMPORT_MAX_MODULES"), 120)
        self.COURSE_IMPORT_MAX_TEXT_KB = _int(get("COURSE_IMPORT_MAX_TEXT_KB"), 1200)
        # A course archive larger than this is imported by a background job (its page shows
        # the progress and the outcome); a smaller one at once, inside the request.
        self.COURSE_IMPORT_BACKGROUND_KB = _int(get("COURSE_IMPORT_BACKGROUND_KB"), 512)
        self.ROSTER_MAX_KB = _int(get("ROSTER_MAX_KB"), 512)
        self.CHECKIN_TOKEN_MINUTES = _int(get("CHECKIN_TOKEN_MINUTES"), 10)
        # Self check-in opens this many minutes before a session starts and closes at its end.
        self.CHECKIN_OPENS_MINUTES = _int(get("CHECKIN_OPENS_MINUTES"), 30)
        # The most seats a seminar may offer (the 2025 training rules: groups of at most 10).
        self.SEMINAR_MAX_CAPACITY = _int(get("SEMINAR_MAX_CAPACITY"), 10)
        self.QUIZ_GRACE_SECONDS = _int(get("QUIZ_GRACE_SECONDS"), 30)
        # The Retry-After of the 503 answered while the database cannot be reached.
        self.RETRY_AFTER_SECONDS = _int(get("RETRY_AFTER_SECONDS"), 30)
        # Quizzes whose results count towards a qualification: the least wait between attempts.
        self.CERTIFICATION_QUIZ_WAIT_HOURS = _int(get("CERTIFICATION_QUIZ_WAIT_HOURS"), 24)
        self.PREFERRED_URL_SCHEME = get("URL_SCHEME", "http")

        # Languages and time.
        self.LANGUAGES = ("en", "ru", "kk")
        self.BABEL_DEFAULT_LOCALE = get("DEFAULT_LANGUAGE", "en")
        self.BABEL_DEFAULT_TIMEZONE = get("TIMEZONE", "Asia/Almaty")
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "lms" / "translations")

        # Layout.
        self.BOOTSTRAP_SERVE_LOCAL = True
        self.ORGANISATION_NAME = get("ORGANISATION_NAME", "Demo Mediation Training Centre")
        # Public pages as visitors see them are kept this many seconds per process
        # (lms.public_pages); 0 renders every request.
        self.PUBLIC_PAGE_SECONDS = _int(get("PUBLIC_PAGE_SECONDS"), 10)
        self.SITE_NAME = get("SITE_NAME", "Mediator Academy")

        # Certificates.
        # The public address printed on certificates and in their QR codes.
        self.PUBLIC_URL = get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        self.CERTIFICATE_PREFIX = get("CERTIFICATE_PREFIX", "KZM")
        # Ed25519 signing keys; empty means <instance>/signing-keys.
        self.CERTIFICATE_KEYS_DIR = get("CERTIFICATE_KEYS_DIR", "")
        # Keep each certificate's PDF in file storage (a cache: a PDF is rendered again, byte
        # for byte, from its signed facts when the stored copy is missing).
        self.CERTIFICATE_PDF_CACHE = _bool(get("CERTIFICATE_PDF_CACHE"), True)
        # At start, log an error for each key that signed a stored certificate but is missing.
        self.CHECK_KEYS_AT_START = _bool(get("CHECK_KEYS_AT_START"), True)
        # Open Badges 3.0 credentials: the issuer's contact address (left out when empty) and
        # the organisation's LinkedIn page id for "Add to profile" (else its name is sent).
        self.CREDENTIAL_ISSUER_EMAIL = get("CREDENTIAL_ISSUER_EMAIL", "")
        self.LINKEDIN_ORGANIZATION_ID = get("LINKEDIN_ORGANIZATION_ID", "")

        # E-mail (lms/mail.py): one URL such as smtp://user:pass@host:587?tls=starttls or
        # smtps://user:pass@host:465; empty keeps every message in the outbox only.
        self.MAIL_URL = get("MAIL_URL", "")
        self.MAIL_FROM = get("MAIL_FROM", "Mediator Academy <no-reply@localhost>")
        self.MAIL_TIMEOUT_SECONDS = _int(get("MAIL_TIMEOUT_SECONDS"), 10)
        # Self-service password reset: requests per address of the requester and per account.
        self.FORGOT_LIMIT_PER_IP = get("FORGOT_LIMIT_PER_IP", "10 per hour")
        self.FORGOT_LIMIT_PER_EMAIL = get("FORGOT_LIMIT_PER_EMAIL", "3 per hour")
        # Confirming e-mail addresses (lms/email_confirmation.py). Whether a new account must
        # confirm before it can log in is a site setting (Site settings page); this is its
        # default until an administrator saves it. Off: the embedded default has no mail
        # server, and new trainees would wait for an administrator to read them the outbox.
        self.REQUIRE_EMAIL_CONFIRMATION = _bool(get("REQUIRE_EMAIL_CONFIRMATION"), False)
        self.EMAIL_CONFIRMATION_HOURS = _int(get("EMAIL_CONFIRMATION_HOURS"), 48)
        # "Send the link again" from the log-in page (per requester's address and per account
        # address) and from the account page, where asking to change the address counts too.
        self.CONFIRM_LIMIT_PER_IP = get("CONFIRM_LIMIT_PER_IP", "10 per hour")
        self.CONFIRM_LIMIT_PER_EMAIL = get("CONFIRM_LIMIT_PER_EMAIL", "3 per hour")
        self.CONFIRM_LIMIT_PER_USER = get("CONFIRM_LIMIT_PER_USER", "5 per hour")

        # Background jobs (lms/jobs.py): empty = a SQLite queue in the instance folder
        # (jobs.sqlite3); redis://host:6379/0 = Redis, for workers on several machines.
        self.JOBS_URL = get("JOBS_URL", "")
        # The queue's name (sites sharing one Redis need different names).
        self.JOBS_NAME = get("JOBS_NAME", "lms")
        # Run each job inside the request that commits it (tests; no worker needed).
        self.JOBS_IMMEDIATE = _bool(get("JOBS_IMMEDIATE"), False)
        # Finished jobs (and their result files) and sent messages are removed after these.
        self.JOBS_KEEP_DAYS = _int(get("JOBS_KEEP_DAYS"), 7)
        self.OUTBOX_KEEP_DAYS = _int(get("OUTBOX_KEEP_DAYS"), 90)

    def validate(self) -> None:
        """Raise ConfigurationError when this configuration must not start."""
        if not re.fullmatch(r"[A-Za-z0-9]{1,8}", self.CERTIFICATE_PREFIX):
            raise ConfigurationError(
                "LMS_CERTIFICATE_PREFIX must be 1 to 8 Latin letters or digits, e.g. KZM."
            )
        if self.FILE_STORAGE not in ("folder", "database"):
            raise ConfigurationError("LMS_FILE_STORAGE must be folder or database.")
        if self.BABEL_DEFAULT_LOCALE not in self.LANGUAGES:
            raise ConfigurationError(
                f"LMS_DEFAULT_LANGUAGE must be one of {', '.join(self.LANGUAGES)}."
            )
        for name in (
            "LOGIN_LIMIT_PER_ACCOUNT_AND_IP",
            "LOGIN_LIMIT_PER_ACCOUNT",
            "LOGIN_LIMIT_PER_IP",
            "SIGNUP_LIMIT_PER_IP",
            "VERIFY_LIMIT_PER_IP",
            "FORGOT_LIMIT_PER_IP",
            "FORGOT_LIMIT_PER_EMAIL",
            "CONFIRM_LIMIT_PER_IP",
            "CONFIRM_LIMIT_PER_EMAIL",
            "CONFIRM_LIMIT_PER_USER",
        ):
            value = getattr(self, name)
            try:
                parse_many(value)
            except ValueError:
                raise ConfigurationError(
                    f"LMS_{name}={value!r} is not a rate limit; write e.g. '10 per 15 minutes'."
                ) from None
        if self.MAIL_URL and not self.MAIL_URL.startswith(("smtp://", "smtps://")):
            raise ConfigurationError(
                "LMS_MAIL_URL must start with smtp:// or smtps://, e.g. "
                "smtp://user:password@mail.example.kz:587?tls=starttls."
            )


class DevelopmentConfig(Config):
    """`make run`: SQLite in the instance folder, development secret allowed."""

    NAME = "development"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        env = os.environ if environ is None else environ
        # Whoever edits a template sees it at once, signed in or not.
        self.PUBLIC_PAGE_SECONDS = _int(env.get("LMS_PUBLIC_PAGE_SECONDS"), 0)


class TestingConfig(Config):
    """The test suite: a database URL chosen by the fixture, cheap password hashing."""

    NAME = "testing"
    TESTING = True
    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        database_url: str | None = None,
        instance_path: str | None = None,
        **overrides: object,
    ) -> None:
        super().__init__(environ if environ is not None else {})
        if instance_path is not None:
            self.INSTANCE_PATH = instance_path
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            database_url or f"sqlite:///{Path(self.INSTANCE_PATH) / 'test.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST_KIB = 8
        self.ARGON2_PARALLELISM = 1
        self.SERVER_NAME = None
        self.JOBS_IMMEDIATE = True
        # Apps are built before their tables exist; tests of the check turn it on.
        self.CHECK_KEYS_AT_START = False
        # Pages change within tests; tests of lms.public_pages turn the keeping on.
        self.PUBLIC_PAGE_SECONDS = 0
        for key, value in overrides.items():
            setattr(self, key, value)


class ProductionConfig(Config):
    """Behind a TLS proxy, on PostgreSQL and Redis, served by gunicorn."""

    NAME = "production"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        env = os.environ if environ is None else environ
        self._env_has_public_url = bool(env.get("LMS_PUBLIC_URL"))
        self.SESSION_COOKIE_SECURE = _bool(env.get("LMS_SECURE_COOKIES"), True)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = env.get("LMS_URL_SCHEME") or "https"

    def validate(self) -> None:
        super().validate()
        if not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET_KEY:
            raise ConfigurationError(
                "Refusing to start in production with the development secret key: set "
                "LMS_SECRET_KEY to a long random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if not self._env_has_public_url:
            raise ConfigurationError(
                "Set LMS_PUBLIC_URL to the site's public address (e.g. https://academy.example.kz):"
                " it is printed on every certificate and in its QR code."
            )
        if len(self.SECRET_KEY) < 32:
            raise ConfigurationError("LMS_SECRET_KEY is too short: use at least 32 characters.")
        if self.RATELIMIT_STORAGE_URI.startswith("memory"):
            raise ConfigurationError(
                "Refusing to start in production with in-memory rate limits (each worker would "
                "count alone): set LMS_RATELIMIT_STORAGE_URI, for example redis://host:6379/0."
            )
        if not self.DATABASE_URL_GIVEN:
            raise ConfigurationError(
                "Refusing to start in production without a database: set LMS_DATABASE_URL, "
                "for example postgresql+psycopg://user:password@host:5432/lms."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Instantiate the configuration named by ``name`` or ``LMS_CONFIG`` (default development)."""
    name = (name or os.environ.get("LMS_CONFIG") or "development").strip().lower()
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigurationError(
            f"LMS_CONFIG={name!r} is not known; use one of {', '.join(CONFIGS)}."
        ) from None
