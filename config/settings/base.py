"""Settings shared by every environment, read from the environment with django-environ.

Embedded default (nothing set): SQLite under var/, Celery tasks run in-process, files in media/.
DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... switch to real services.
"""

import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# Only the embedded and test settings may use this; production refuses it.
INSECURE_DEFAULT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL, turning a malformed one into one clear sentence."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns; we raise one clear error
            config = environ.Env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} is not a database URL this platform understands ({exc}); "
            "use sqlite:///path/to/file.sqlite3 or postgres://user@host:5432/name"
        ) from None
    engine = config.get("ENGINE", "")
    if not engine:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} is not a database URL this platform understands; "
            "use sqlite:///path/to/file.sqlite3 or postgres://user@host:5432/name"
        )
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} names engine {engine or 'unknown'}; "
            "only SQLite and PostgreSQL are supported"
        )
    if engine == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
        # so two deciders queue instead of failing with "database is locked" mid-transaction.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
    if engine == "django.db.backends.postgresql":
        # Short connect timeout so an unreachable server fails in seconds, not minutes.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    config["ATOMIC_REQUESTS"] = False
    return config


def owner_database_from_url(url: str, application: dict) -> dict | None:
    """Parse DATABASE_OWNER_URL: the role that owns the tables and runs ``migrate`` and
    ``grant_app_role``, while DATABASE_URL connects as the application's restricted role.

    It must name the same PostgreSQL database as DATABASE_URL, as another role."""
    if not url:
        return None
    owner = database_from_url(url)
    if owner["ENGINE"] != "django.db.backends.postgresql" or (
        application["ENGINE"] != "django.db.backends.postgresql"
    ):
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL is for PostgreSQL only: set it, with DATABASE_URL, to "
            "postgres:// URLs of the same database (SQLite has no roles; unset it)"
        )
    # Host and port may differ (the application may go through a connection pooler).
    if owner.get("NAME") != application.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_OWNER_URL names database {owner.get('NAME')!r} but DATABASE_URL names "
            f"{application.get('NAME')!r}: both must name the same database"
        )
    if (owner.get("USER") or "") == (application.get("USER") or ""):
        raise ImproperlyConfigured(
            "DATABASE_URL connects as the owner named in DATABASE_OWNER_URL: point DATABASE_URL "
            "at the application's own role, created by manage.py grant_app_role"
        )
    return owner


DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "written-authority.sqlite3"
DEFAULT_SQLITE_PATH.parent.mkdir(exist_ok=True)
DATABASES = {
    "default": database_from_url(env("DATABASE_URL", default=f"sqlite:///{DEFAULT_SQLITE_PATH}"))
}
# PostgreSQL only: the owner's connection for migrate and grant_app_role (oversight.dbroles).
# The application's own processes need not (and in production should not) have it set.
DATABASE_OWNER = owner_database_from_url(
    env("DATABASE_OWNER_URL", default=""), DATABASES["default"]
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.forms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "common",
    "authority",
    "oversight",
    "biometric_engine",
    "gate",
    "watchlists",
    "deployments",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files get the Content-Security-Policy too.
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees a view's Http404 or PermissionDenied first: the site's own error pages.
    "config.middleware.FriendlyErrorPagesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.navigation.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "authority.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None  # no anonymous guardian user: the public site reads published data only

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_AUTOREFRESH = True  # production overrides; avoids a warning before collectstatic
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("WA_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads above this are rejected by Django before they reach a service.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Web security: sessions, the cache behind sign-in lockouts, API tokens, response headers.
# A working day: a session lasts WA_SESSION_HOURS from sign-in and ends when the browser closes.
SESSION_COOKIE_AGE = int(env.float("WA_SESSION_HOURS", default=9) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("WA_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# Local memory holds counts per process (runserver, the tests, one gunicorn worker); with more
# than one worker or host set WA_CACHE_URL=redis://... so every process sees the same lockouts.
CACHES = {
    "default": env.cache_url("WA_CACHE_URL", default="locmemcache://written-authority"),
}
# Sign-in lockout (staff site and API token endpoint alike): WA_LOGIN_MAX_FAILURES wrong
# passwords for one username, or WA_LOGIN_MAX_FAILURES_PER_ADDRESS from one client address,
# within the window lock that username or address for WA_LOGIN_LOCKOUT_MINUTES (HTTP 429).
WA_LOGIN_MAX_FAILURES = env.int("WA_LOGIN_MAX_FAILURES", default=5)
WA_LOGIN_MAX_FAILURES_PER_ADDRESS = env.int("WA_LOGIN_MAX_FAILURES_PER_ADDRESS", default=20)
WA_LOGIN_FAILURE_WINDOW_MINUTES = env.int("WA_LOGIN_FAILURE_WINDOW_MINUTES", default=15)
WA_LOGIN_LOCKOUT_MINUTES = env.int("WA_LOGIN_LOCKOUT_MINUTES", default=15)
# Reverse proxies in front of the service that append to X-Forwarded-For; 0 trusts none and
# uses the connection's address (a client could otherwise choose its own address).
WA_NUM_PROXIES = env.int("WA_NUM_PROXIES", default=0)
# API tokens expire this long after they are issued; obtaining a new one replaces the old.
WA_API_TOKEN_HOURS = env.float("WA_API_TOKEN_HOURS", default=9)
# Every response: scripts and styles from this origin only (no inline code), never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a refused token a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.domain_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Written Authority API",
    "DESCRIPTION": "Authorities for police use of facial recognition, and the engine they gate.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a "status": the application keeps StatusEnum, an import has its own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "authority.models.ApplicationStatus",
        "ImportStatusEnum": "watchlists.models.ImportStatus",
        "CandidateDecisionEnum": "deployments.models.CandidateDecision",
    },
}

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_IMPORTS = ["config.tasks", "watchlists.deletion_tasks"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Fail fast when the broker is down, so a caller sees one clear error instead of a hang.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 3}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0}

# Ledger (oversight): checkpoints are signed with an Ed25519 key never stored in the database:
# WA_LEDGER_SIGNING_KEY_FILE (PEM, or a raw 32-byte seed) or WA_LEDGER_SIGNING_KEY (base64 seed).
# With neither, the embedded and test settings generate var/ledger-signing-key.pem (mode 0600);
# production refuses to start (config/settings/production.py).
LEDGER_SIGNING_KEY = env("WA_LEDGER_SIGNING_KEY", default="")
LEDGER_SIGNING_KEY_FILE = env("WA_LEDGER_SIGNING_KEY_FILE", default="")
LEDGER_GENERATED_KEY_FILE = BASE_DIR / "var" / "ledger-signing-key.pem"
LEDGER_CHECKPOINT_EVERY = env.int("WA_LEDGER_CHECKPOINT_EVERY", default=1000)  # and hourly (beat)
# Refuse a PostgreSQL connection (DATABASE_URL) as a role that could rewrite the ledger: a
# superuser, the tables' owner, or one holding UPDATE or DELETE on them. On in production.
LEDGER_REQUIRE_RESTRICTED_ROLE = env.bool("WA_LEDGER_REQUIRE_RESTRICTED_ROLE", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every rendering step at INFO; keep its warnings only.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "faiss.loader": {"level": "WARNING"},
    },
}

# Scheduled jobs (synced into django-celery-beat's tables by its DatabaseScheduler).
CELERY_BEAT_SCHEDULE = {
    "lapse-unratified-urgent-authorities": {
        "task": "authority.tasks.lapse_unratified_urgent_authorities",
        "schedule": 60.0,
    },
    "expire-ended-authorities": {
        "task": "authority.tasks.expire_ended_authorities",
        "schedule": 300.0,
    },
}

FORM_RENDERER = "config.forms.GovukFormRenderer"

# Renewal: one renewal extends an authority by at most this many days, and never by more than
# the longest window its mode allows (WA_MAX_AUTHORITY_DAYS_<MODE>: a live deployment or short
# series for LFR; three months, as for RIPA directed surveillance, for RFR and OIFR).
WA_MAX_RENEWAL_DAYS = env.int("WA_MAX_RENEWAL_DAYS", default=28)
WA_MAX_AUTHORITY_DAYS = {
    "lfr": env.int("WA_MAX_AUTHORITY_DAYS_LFR", default=7),
    "rfr": env.int("WA_MAX_AUTHORITY_DAYS_RFR", default=92),
    "oifr": env.int("WA_MAX_AUTHORITY_DAYS_OIFR", default=92),
}

# Engine. A model-pack directory switches to the optional insightface backend (never downloaded).
WA_MODEL_PACK_DIR = env("WA_MODEL_PACK_DIR", default="")
WA_MAX_IMAGE_BYTES = env.int("WA_MAX_IMAGE_BYTES", default=20 * 1024 * 1024)
WA_MAX_IMAGE_PIXELS = env.int("WA_MAX_IMAGE_PIXELS", default=40_000_000)
WA_MAX_IMAGE_DECODED_BYTES = env.int("WA_MAX_IMAGE_DECODED_BYTES", default=100 * 1024 * 1024)
WA_MAX_VIDEO_BYTES = env.int("WA_MAX_VIDEO_BYTES", default=500 * 1024 * 1024)
WA_MAX_VIDEO_SECONDS = env.float("WA_MAX_VIDEO_SECONDS", default=600.0)
WA_MAX_VIDEO_FRAME_PIXELS = env.int("WA_MAX_VIDEO_FRAME_PIXELS", default=3840 * 2160)
WA_MIN_INTER_EYE_PX = env.float("WA_MIN_INTER_EYE_PX", default=20.0)
WA_MIN_FACE_QUALITY = env.float("WA_MIN_FACE_QUALITY", default=0.0)
# Live frames: the smallest face searched, on its box's shorter side in pixels (20 px between
# the eyes, the probe rule, is a box of about 40).
WA_LFR_MIN_FACE_PX = env.int("WA_LFR_MIN_FACE_PX", default=40)
# Watchlists (docs/settings.md). An enrolled image's face must score at least this for quality
# (the engine's 0-1 score: size, sharpness, pose); two record ids whose faces are at least this
# similar are flagged for a person to decide; images and templates are deleted this many hours
# after the deployment ends (DOMAIN: within 24), by a job that runs every hour.
WA_WATCHLIST_MIN_QUALITY = env.float("WA_WATCHLIST_MIN_QUALITY", default=0.40)
WA_WATCHLIST_DUPLICATE_SIMILARITY = env.float("WA_WATCHLIST_DUPLICATE_SIMILARITY", default=0.65)
WA_WATCHLIST_DELETE_AFTER_HOURS = env.float("WA_WATCHLIST_DELETE_AFTER_HOURS", default=1.0)
# Bulk import of watchlist entries (a CSV of rows and a ZIP of images): an archive is refused
# whole, before anything is written, past any of these limits. Each image is at most
# WA_MAX_IMAGE_BYTES; a member whose declared size exceeds its compressed size more than
# WA_IMPORT_MAX_RATIO times is taken for a ZIP bomb.
WA_IMPORT_MAX_MEMBERS = env.int("WA_IMPORT_MAX_MEMBERS", default=5_000)
WA_IMPORT_MAX_TOTAL_BYTES = env.int("WA_IMPORT_MAX_TOTAL_BYTES", default=2 * 1024**3)
WA_IMPORT_MAX_RATIO = env.float("WA_IMPORT_MAX_RATIO", default=100.0)
WA_IMPORT_MAX_CSV_BYTES = env.int("WA_IMPORT_MAX_CSV_BYTES", default=5 * 1024 * 1024)
WA_IMPORT_MAX_ROWS = env.int("WA_IMPORT_MAX_ROWS", default=5_000)
# Deployments (docs/settings.md). The roles who adjudicate an alert (South Wales Police:
# engagement_officer); an engagement decision always follows a separate adjudication. A face is
# followed in one camera's view as a track while its box overlaps the last one by at least
# WA_TRACK_MIN_IOU and it was seen within WA_TRACK_EXPIRY_SECONDS.
WA_ADJUDICATING_ROLES = env.list("WA_ADJUDICATING_ROLES", default=["lfr_operator"])
WA_TRACK_EXPIRY_SECONDS = env.float("WA_TRACK_EXPIRY_SECONDS", default=3.0)
WA_TRACK_MIN_IOU = env.float("WA_TRACK_MIN_IOU", default=0.3)
# A followed face is searched when first seen, and again only for a view at least this much
# better on the engine's 0-1 quality score (so its best view so far is the one searched).
WA_TRACK_RESEARCH_QUALITY_GAIN = env.float("WA_TRACK_RESEARCH_QUALITY_GAIN", default=0.05)
# RFR: the lowest rank that approves a search (a name or a number), and the longest candidate
# list a search returns (South Wales Police returns at most 200).
WA_RFR_APPROVER_MINIMUM_RANK = env("WA_RFR_APPROVER_MINIMUM_RANK", default="INSPECTOR")
WA_RFR_MAX_CANDIDATES = env.int("WA_RFR_MAX_CANDIDATES", default=200)
# Recorded video (docs/deployments.md, "Recorded video"): processed WA_VIDEO_CHUNK_FRAMES frames
# at a time, each chunk's counts and resume point committed together; a worker holds a job for
# WA_VIDEO_LEASE_SECONDS between chunks; a job still queued WA_VIDEO_REQUEUE_AFTER_SECONDS after
# it was enqueued (the broker was down) is enqueued again by the beat job.
WA_VIDEO_CHUNK_FRAMES = env.int("WA_VIDEO_CHUNK_FRAMES", default=50)
# Camera footage (a recorded video's file) is deleted this many days after upload at the latest.
WA_FOOTAGE_RETENTION_DAYS = env.float("WA_FOOTAGE_RETENTION_DAYS", default=31.0)
# Search a recorded video at about this many frames a second (0: every frame).
WA_VIDEO_SAMPLE_FPS = env.float("WA_VIDEO_SAMPLE_FPS", default=0.0)
WA_VIDEO_LEASE_SECONDS = env.float("WA_VIDEO_LEASE_SECONDS", default=300.0)
WA_VIDEO_REQUEUE_AFTER_SECONDS = env.float("WA_VIDEO_REQUEUE_AFTER_SECONDS", default=60.0)
# Alert crops are deleted this long after the alert, and an alert adjudicated no match's crop
# at the job's next run (DOMAIN: deleted immediately after use or within 24 hours).
WA_ALERT_IMAGE_RETENTION_HOURS = env.float("WA_ALERT_IMAGE_RETENTION_HOURS", default=24.0)
# Equitable minimum threshold (docs/engine.md, "The equitable minimum"). A threshold counts as
# equitable where the upper bound of every pair of groups' |FPIR difference| (rule
# fpir_difference) or of every group's FPIR (fpir_upper_bound) is within the tolerance, at the
# confidence given (Bonferroni over the comparisons), every group having the minimum number of
# non-mated searches; every report states these, and one stored must be at least as strict.
WA_EQUITY_RULE = env("WA_EQUITY_RULE", default="fpir_difference")
WA_EQUITY_FPIR_TOLERANCE = env.float("WA_EQUITY_FPIR_TOLERANCE", default=0.02)
WA_EQUITY_CONFIDENCE = env.float("WA_EQUITY_CONFIDENCE", default=0.95)
WA_EQUITY_MIN_SEARCHES = env.int("WA_EQUITY_MIN_SEARCHES", default=100)
# The continuing duty: a warning once the model's report is older than this, and a scheduled
# re-run (every WA_EQUITY_RERUN_HOURS) when a labelled evaluation set is configured: a
# Name/*.jpg folder and one or more identity,group CSV files (comma-separated).
WA_EQUITY_REPORT_MAX_AGE_DAYS = env.int("WA_EQUITY_REPORT_MAX_AGE_DAYS", default=90)
WA_EQUITY_EVAL_IMAGES = env("WA_EQUITY_EVAL_IMAGES", default="")
WA_EQUITY_EVAL_GROUPS = env.list("WA_EQUITY_EVAL_GROUPS", default=[])
WA_EQUITY_EVAL_CACHE = env("WA_EQUITY_EVAL_CACHE", default="")
WA_EQUITY_EVAL_THRESHOLDS = env.list(
    "WA_EQUITY_EVAL_THRESHOLDS",
    default=[
        "0.30",
        "0.35",
        "0.40",
        "0.45",
        "0.50",
        "0.55",
        "0.60",
        "0.65",
        "0.70",
        "0.75",
        "0.80",
    ],
)
WA_EQUITY_RERUN_HOURS = env.float("WA_EQUITY_RERUN_HOURS", default=24 * 7)
CELERY_BEAT_SCHEDULE["rerun-equitability-report"] = {
    "task": "biometric_engine.tasks.rerun_equitability_report",
    "schedule": WA_EQUITY_RERUN_HOURS * 3600,
}
# Key for signing AuthorityScopes; derived from DJANGO_SECRET_KEY when unset.
WA_SCOPE_SIGNING_KEY = env("WA_SCOPE_SIGNING_KEY", default="")

# Transparency (docs/reviews.md): an officer is named on the public site only at or above this
# rank (authority.models.Rank: 50 Superintendent); below it, by rank alone. Public pages are
# cached this many seconds, and at once invalidated when something is published.
WA_PUBLIC_NAMED_MINIMUM_RANK = env.int("WA_PUBLIC_NAMED_MINIMUM_RANK", default=50)
WA_TRANSPARENCY_CACHE_SECONDS = env.int("WA_TRANSPARENCY_CACHE_SECONDS", default=300)
