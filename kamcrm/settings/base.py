"""Settings shared by every environment; everything that differs comes from the environment.

Without DATABASE_URL / REDIS_URL the app runs on embedded defaults: a SQLite
file and a file-system Celery broker under ``var/``, so a newcomer needs no servers.
"""

from datetime import date
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("KAMCRM_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "django_celery_results",
    "axes",
    "csp",
    "kamcrm.audit",
    "kamcrm.outbox",
    "kamcrm.idempotency",
    "accounts",
    "distributors",
    "receivables",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "reports.analytics.dashboards.middleware.WritersSeeTheirWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kamcrm.middleware.BadInputMiddleware",  # bad input on a page: a 400 page, not a 500
    # Axes goes last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kamcrm.urls"
WSGI_APPLICATION = "kamcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kamcrm.navigation.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kamcrm.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # jit=off and a low random_page_cost fit a database that lives in memory
    # (measured in ../shared/PERF-NOTES.md: jit alone cost 60-120 ms on mid-size queries).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off -c random_page_cost=1.1")
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file. A transaction takes the write lock when it begins (IMMEDIATE), so two
    # writers queue (for up to ``timeout`` seconds) instead of one failing with "database is locked" when both
    # read first and then try to write; WAL lets readers go on while one writes (double submits, issue 17).
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite.setdefault("timeout", env.int("SQLITE_TIMEOUT", default=30))
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
    # Covering indexes (INCLUDE) speed up PostgreSQL; SQLite builds the same index without the extra columns.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # Integers beyond 64 bits in a query (a hostile id in a URL) compare as on PostgreSQL instead of a 500.
    DATABASES["default"]["ENGINE"] = "kamcrm.sqlite"
# A PostgreSQL streaming replica for the read-heavy pages (dashboards, reports, exports, aging): kamcrm.replicas.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
KAMCRM_READ_REPLICA = ""
if DATABASE_REPLICA_URL:
    KAMCRM_READ_REPLICA = "replica"
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},  # tests never create a second database
    }
DATABASE_ROUTERS = ["kamcrm.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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

# Failed logins are throttled per username and address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy, the lock-out and the token throttle key on the client address the proxy puts in this
# header ("X-Forwarded-For" or "X-Real-IP"; the entry KAMCRM_TRUSTED_PROXY_COUNT from the right), not on the
# proxy's own address. Leave empty when clients connect directly (then REMOTE_ADDR counts).
KAMCRM_TRUSTED_PROXY_HEADER = env("KAMCRM_TRUSTED_PROXY_HEADER", default="")
KAMCRM_TRUSTED_PROXY_COUNT = env.int("KAMCRM_TRUSTED_PROXY_COUNT", default=1)
AXES_CLIENT_IP_CALLABLE = "kamcrm.security.client_ip"
# API tokens stop working this many hours after they are issued (then POST /api/auth/token/ again).
KAMCRM_TOKEN_TTL_HOURS = env.int("KAMCRM_TOKEN_TTL_HOURS", default=24 * 7)

# How far ahead a promise to pay or an extension may run (they pause the reminders): a rep up to
# KAMCRM_MAX_EXTENSION_DAYS after the day it was given, the KAM or above (and finance) up to
# KAMCRM_MAX_EXTENSION_DAYS_MANAGER.
KAMCRM_MAX_EXTENSION_DAYS = env.int("KAMCRM_MAX_EXTENSION_DAYS", default=90)
KAMCRM_MAX_EXTENSION_DAYS_MANAGER = env.int("KAMCRM_MAX_EXTENSION_DAYS_MANAGER", default=365)

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Thousands separators in both languages (Django's zh_Hans has none); templates group money with floatformat:"2g".
FORMAT_MODULE_PATH = ["kamcrm.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
# Limits on what users send (issue 17): free text, visit photos, import files.
TEXT_MAX_LENGTH = env.int("TEXT_MAX_LENGTH", default=4000)  # characters of a note, assessment or comment
PHOTO_MAX_SIZE = env.int("PHOTO_MAX_SIZE", default=10 * 1024 * 1024)  # bytes of an uploaded visit photo
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=2048)  # pixels: larger photos are scaled down when stored
IMPORT_MAX_CELL_LENGTH = env.int("IMPORT_MAX_CELL_LENGTH", default=4000)  # characters of one imported cell
IMPORT_MAX_UNCOMPRESSED_SIZE = env.int("IMPORT_MAX_UNCOMPRESSED_SIZE", default=30 * 1024 * 1024)  # bytes in an .xlsx
IMPORT_PREVIEW_ERRORS = 200  # errors listed on an import preview; the rest are counted
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files (visit photos, signed plans, the import preview's stash) go through Django's storage API only:
# local files by default; S3-compatible object storage (django-storages) when MEDIA_S3_BUCKET is set, so several
# web hosts behind a load balancer share them. The bucket stays private: links are signed and expire.
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
MEDIA_ORIGIN = ""  # where the browser fetches uploaded images from, when not this site (for the CSP below)
if MEDIA_S3_BUCKET:
    _s3_endpoint = env("MEDIA_S3_ENDPOINT_URL", default="") or None  # MinIO, Ceph, OSS …; None: AWS
    _s3_region = env("MEDIA_S3_REGION", default="") or None
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": _s3_region,
            "access_key": env("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env("MEDIA_S3_PREFIX", default="media"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("MEDIA_S3_URL_SECONDS", default=3600),
            "file_overwrite": False,
        },
    }
    if _s3_endpoint:
        _parts = _s3_endpoint.split("/")
        MEDIA_ORIGIN = f"{_parts[0]}//{_parts[2]}"
    else:
        MEDIA_ORIGIN = f"https://{MEDIA_S3_BUCKET}.s3.{_s3_region + '.' if _s3_region else ''}amazonaws.com"
    MEDIA_ORIGIN = env("MEDIA_S3_PUBLIC_ORIGIN", default=MEDIA_ORIGIN)
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Cache (shared by web and workers: Redis when there is one, else files) -----
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "kamcrm.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions live in the database only: every web host sees them, and a sign-in, a page or a sign-out never
# depends on the cache (with Redis unreachable the app works, only slower). Not cached_db: a session changed or
# ended while Redis is unreachable would come back from the cache when Redis does (stale, or signed in again).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_IMPORTS = ["kamcrm.tasks"]
# Queues by kind of work, so each can get its own workers (and hosts): a backlog of one kind never holds up
# another, and the rollup drain keeps dashboards fresh while PDFs render. Unlisted tasks go to "celery" (light
# housekeeping: heartbeat, outbox, purges). A worker consumes the queues named with -Q (Procfile: all of them;
# docker-compose.yml: one service per queue, scaled with --scale).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES_BY_KIND = {
    "celery": "housekeeping: heartbeat, task outbox, purges, doubtful debts",
    "rollups": "the dashboards' rollups: refresh drain, nightly rebuild, tiers, contests' frozen results",
    "mail": "reminders, notifications and their e-mails",
    "reports": "PDFs and the e-mails that carry them: weekly/monthly reports, statements",
    "imports": "imports and their housekeeping",
}
CELERY_TASK_ROUTES = {
    "reports.tasks.drain_rollup_refreshes": {"queue": "rollups"},
    "reports.tasks.refresh_rollups": {"queue": "rollups"},
    "reports.tasks.rebuild_recent_rollups": {"queue": "rollups"},
    "reports.tasks.warm_dashboards": {"queue": "rollups"},
    "reports.tasks.refresh_dashboard": {"queue": "rollups"},
    "reports.tasks.renew_generations": {"queue": "rollups"},
    "reports.tasks.recompute_tiers": {"queue": "rollups"},
    "reports.tasks.freeze_contests": {"queue": "rollups"},
    "receivables.tasks.send_overdue_reminders": {"queue": "mail"},
    "receivables.tasks.deliver_reminder_messages": {"queue": "mail"},
    "receivables.tasks.sweep_stuck_reminder_messages": {"queue": "mail"},
    "accounts.tasks.send_notification_email": {"queue": "mail"},
    "reports.tasks.generate_period_reports": {"queue": "reports"},
    "reports.tasks.email_period_report": {"queue": "reports"},
    "receivables.tasks.email_statement": {"queue": "reports"},
    "receivables.tasks.send_scheduled_statements": {"queue": "reports"},
    "distributors.tasks.purge_stale_imports": {"queue": "imports"},
}
# /healthz gives the broker this long (seconds) before it answers 503; the container check allows 5 s in all.
HEALTHZ_BROKER_TIMEOUT = env.float("HEALTHZ_BROKER_TIMEOUT", default=1.0)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_FS_DIR = Path(env("CELERY_FS_DIR", default=str(VAR_DIR / "celery-broker")))
    for _sub in ("out", "processed", "control"):
        (CELERY_FS_DIR / _sub).mkdir(parents=True, exist_ok=True)  # kombu does not create them
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_DIR / "out"),
        "data_folder_out": str(CELERY_FS_DIR / "out"),
        "processed_folder": str(CELERY_FS_DIR / "processed"),
        # Fan-out exchanges (the worker's control messages): otherwise a "control" folder in the current directory.
        "control_folder": str(CELERY_FS_DIR / "control"),
        "store_processed": False,
    }

# How long a money-creating POST's Idempotency-Key is remembered (then purged hourly by beat).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# A reminder e-mail "sending" for longer than this was left by a process that died; the sweeper sends it again.
REMINDER_STUCK_AFTER_MINUTES = env.int("REMINDER_STUCK_AFTER_MINUTES", default=10)

# --- E-mail ---------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="KAM CRM <noreply@kamcrm.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "no credentials" a 401, not a 403.
        "accounts.authentication.ExpiringTokenAuthentication",  # tokens expire (KAMCRM_TOKEN_TTL_HOURS)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "kamcrm.parsers.JSONParser",  # bounded size and nesting
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Only views that name a scope are throttled (the token endpoint: "auth-token", per client address).
    "DEFAULT_THROTTLE_RATES": {"auth-token": env("KAMCRM_TOKEN_THROTTLE_RATE", default="10/minute")},
    "DEFAULT_PAGINATION_CLASS": "kamcrm.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "kamcrm.filters.DjangoFilterBackend",  # dates in the window (issue 17)
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kamcrm.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM CRM API",
    "DESCRIPTION": "Distributors, plans, visits, reports and receivables, scoped to the caller.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["kamcrm.api.DocsPermission"],
    "SWAGGER_UI_DIST": "SIDECAR",  # vendored by drf-spectacular-sidecar: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Many models have a "status"; give each choice set its own, stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "PaymentMethodEnum": "receivables.models.PaymentMethod",
        "OrderStatusEnum": "reports.models.OrderStatus",
        "DistributorStatusEnum": "distributors.cards.models.Status",
        "AttractivenessEnum": "distributors.cards.models.Attractiveness",
        "SuggestionStatusEnum": "distributors.cards.models.Suggestion.State",
        "ComplaintStatusEnum": "distributors.cards.models.Complaint.State",
        "PlanStatusEnum": "distributors.plans.models.PlanStatus",
        "ActionItemStatusEnum": "distributors.plans.models.ActionItem.State",
        "InvoiceStatusEnum": "receivables.models.InvoiceStatus",
        "WriteOffStatusEnum": "receivables.models.WriteOffStatus",
        "PaymentClaimStatusEnum": "receivables.models.ClaimStatus",
        "CollectionTaskStatusEnum": "receivables.models.TaskStatus",
        "MessageStatusEnum": "receivables.models.MessageStatus",
    },
}

# --- Content-Security-Policy (django-csp) ----------------------------------------------------------------
# Every script and style is a vendored static file, so nothing inline and nothing from elsewhere runs.
# data: images: Bootstrap's CSS icons and the empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],  # visit photos in object storage
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}

# --- Input limits (issue 17): bad input is a 400, never a 500 -------------------------------------
# Every date a user gives (query strings, paths, dates of money records) lies in this window.
KAMCRM_DATE_MIN = date.fromisoformat(env("KAMCRM_DATE_MIN", default="2000-01-01"))
KAMCRM_DATE_MAX = date.fromisoformat(env("KAMCRM_DATE_MAX", default="2099-12-31"))
KAMCRM_MAX_DAY_COUNT = env.int("KAMCRM_MAX_DAY_COUNT", default=36500)  # "not visited for N days"
# A visit checked in farther than this from the account's coordinates is flagged "far from the account".
KAMCRM_FAR_FROM_ACCOUNT_M = env.int("KAMCRM_FAR_FROM_ACCOUNT_M", default=1000)
KAMCRM_MAX_ORDER_QUANTITY = env.int("KAMCRM_MAX_ORDER_QUANTITY", default=1_000_000)  # units per order line
KAMCRM_JSON_MAX_DEPTH = env.int("KAMCRM_JSON_MAX_DEPTH", default=32)

# The API schema and its docs page for signed-in users only (on in production settings).
KAMCRM_API_DOCS_REQUIRE_LOGIN = env.bool("KAMCRM_API_DOCS_REQUIRE_LOGIN", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools narrate every PDF step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Account tiers from measured data (reports.analytics.tiers, monthly). Each account that sold in the trailing twelve
# months gets a score: the weighted mean of its percentile ranks among those accounts on sales, gross-profit %, DSO
# (lower is better) and overdue share of its open receivables (lower is better). A score of at least
# TIER_THRESHOLDS["A"] is tier A, at least ["B"] tier B, the rest (and every account without sales) C. The same score
# gives the measured attractiveness the portfolio grid suggests: A very attractive, B medium, C low.
TIER_WEIGHTS = {"sales": 50, "gross_profit_pct": 20, "dso": 15, "overdue_share": 15}
TIER_THRESHOLDS = {"A": "0.75", "B": "0.50"}

# --- Rollups --------------------------------------------------------------------
# The rollups' drain starts at least this many seconds after the one before (reports.analytics.rollups.services.
# wake_drain): at once after a quiet spell; under a stream of writes, one batch per interval. 0: every write's
# drain is queued at once (more, smaller batches: more of the worker's CPU per write).
ROLLUP_DRAIN_INTERVAL_SECONDS = env.int("ROLLUP_DRAIN_INTERVAL_SECONDS", default=2)

# --- Dashboards -------------------------------------------------------------------
# How long a computed dashboard is kept at most (reports.analytics.dashboards.cache); a write that changes its
# figures makes it unused at once (a missed one is redone by the worker once the cache answers again). The default, a
# day, keeps the nightly warm-up for the working day (the entries are per day anyway). 0: compute every view.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=86400)
# A dashboard computed at most this many seconds ago is shown while the worker recomputes it after a write
# (not to the writer; reports/analytics/dashboards/cache.py). 0: every view after a write computes.
DASHBOARD_STALE_SECONDS = env.int("DASHBOARD_STALE_SECONDS", default=5)
# After a write, the worker recomputes the dashboards people viewed in its scopes (the next view is read), each at
# most once per this many seconds. 0: never (the first view after a write computes).
DASHBOARD_WARM_SECONDS = env.int("DASHBOARD_WARM_SECONDS", default=10)
# A dashboard's independent reads run side by side, each on a connection of its own, in a pool of this many threads
# per process (kamcrm/parallel.py; PostgreSQL, outside a transaction). Each thread keeps a database connection:
# count them in max_connections. 0: one read after the other.
PARALLEL_READS = env.int("PARALLEL_READS", default=3)
# The dashboards' reads compiled once per shape (``kamcrm.prepared``); False compiles every queryset every time.
PREPARED_QUERIES = env.bool("PREPARED_QUERIES", default=True)
