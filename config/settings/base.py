"""Settings shared by every environment. Everything that differs between machines comes from the environment.

Longer than our ~400-line habit on purpose: it is the one place a reader finds every setting, grouped by concern
(apps and middleware, database, cache and Celery with its queues and schedule, API, webhooks, email, credit, imports,
security), each with the reason for its value; splitting it would scatter them."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from kombu import Exchange, Queue

from core.email.configuration import checked_address, checked_addresses, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "customers",
    "credit",
    "portal",
]

MIDDLEWARE = [
    "core.api.middleware.RequestIdMiddleware",
    # Before anything reads a body: refuses one declared larger than REQUEST_BODY_MAX_BYTES (413).
    "core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # SECURE_CSP on every response; the staff UI narrows it further (core.staff.access.STAFF_CSP).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before any view reads a query parameter: refuses (400) a NUL in one, or an oversize one.
    "core.middleware.QueryValueGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # DEBUG only (the embedded default): a 404 is the app's page, not Django's technical one listing every URL.
    "core.middleware.DebugNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.csp",
                "core.staff.access.staff_context",
                "credit.staff.context.review_queue",
            ],
        },
    },
]

# --- Database: PostgreSQL from DATABASE_URL, else the embedded SQLite default -------------------------------------
# DATABASE_POOLER=pgbouncer says DATABASE_URL reaches PostgreSQL through PgBouncer in transaction pooling: each
# transaction may run on another server connection, so nothing may live in a session across transactions.
DATABASE_POOLERS = ("", "pgbouncer")


def database_from_url(url: str, *, pooler: str) -> dict:
    """A database's settings: persistent connections with health checks, and for PostgreSQL, failing fast instead of
    hanging. A connection attempt to an unreachable server gives up after a few seconds, and no statement (a lock
    wait included) holds a web or worker process longer than the statement timeout; the API answers either as 503
    service_unavailable. DB_STATEMENT_TIMEOUT_MS=0 lifts the limit (a long migration, say). And a process killed in
    the middle of a transaction (a worker SIGKILLed while waiting for a row lock) must not leave its server process
    holding that transaction's locks until its statement ends: the server checks every 2 s that the client is still
    there, and rolls back if not."""
    if pooler not in DATABASE_POOLERS:
        raise ImproperlyConfigured(f"DATABASE_POOLER must be one of {DATABASE_POOLERS}, not {pooler!r}.")
    conn_max_age = int(os.environ.get("DB_CONN_MAX_AGE", "600"))
    database = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    options = {"connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))}
    if pooler == "pgbouncer":
        # PgBouncer refuses the `options` startup parameter, and a SET would stay on a server connection other
        # clients get next: the statement timeout, the client check and constraint_exclusion come from the role or
        # the server instead (ALTER ROLE … SET statement_timeout = '30s'; make cluster does it). A server-side cursor
        # outside a transaction is declared WITH HOLD and fetched from in later transactions, which may reach another
        # server connection.
        # PgBouncer tracks protocol-level prepared statements only from 1.21 (Debian 12 has 1.18), so none: psycopg
        # prepares a query it has run 5 times unless prepare_threshold is None (Django's default, made explicit).
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        options["prepare_threshold"] = None
    else:
        statement_timeout = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "30000"))
        # constraint_exclusion off: the planner would otherwise try to refute a query's conditions with each
        # partition's CHECK constraints (the ledger's are long), 2.0 → 0.7 ms to plan a ledger page over 17 months.
        # Partition pruning does not depend on it, and nothing here uses inheritance or UNION ALL exclusion.
        options["options"] = (
            f"-c statement_timeout={statement_timeout} -c client_connection_check_interval=2000"
            " -c constraint_exclusion=off"
        )
    database["OPTIONS"] = options
    return database


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL, pooler=os.environ.get("DATABASE_POOLER", ""))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
# A streaming replica (hot standby) for reads that tolerate seconds of lag, opted into with core.replica (the staff
# dashboard, the review queue's counts, the CSV export); everything else reads the primary, and so does all of it
# while the replica is down or further behind than DATABASE_REPLICA_MAX_LAG_SECONDS (checked at most every
# DATABASE_REPLICA_CHECK_SECONDS per process). Tests mirror it onto the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_from_url(
        DATABASE_REPLICA_URL, pooler=os.environ.get("DATABASE_REPLICA_POOLER", "")
    ) | {"TEST": {"MIRROR": "default"}}
DATABASE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))
DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "2"))
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache from REDIS_URL, else tasks run in process --------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Everything in the cache can be done without (rate limiter, sign-in throttle): a hung Redis must cost a
            # request half a second, not redis-py's default of 5 s per attempt (core.outage.CACHE skips it after).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    TASKS_BESIDE_REQUESTS = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    # Long tasks (an import) run on a thread beside the request that starts them, so its page shows the progress.
    TASKS_BESIDE_REQUESTS = True
    # No broker holds a webhook retry until its time: the outbox sweep (`manage.py run_periodic_tasks`) sends each
    # delivery as soon as it is due, with no grace.
    WEBHOOKS_SWEEP_GRACE_SECONDS = 0
CELERY_TASK_ACKS_LATE = True
# Results are stored only for tasks that ask for it (ignore_result=False): most tasks write to the database.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish while the broker is down must fail fast: the outbox sweep re-sends what was not handed over.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE: dict = {}
# --- Queues: one per kind of work, so that a flood of one (a large import, a webhook storm) cannot delay another
# (credit decisions): each has workers of its own (make cluster; `make worker QUEUES=credit`). A worker started without
# -Q serves every queue here, as one worker did before. A task no route names goes to housekeeping.
CELERY_TASK_QUEUE_TASKS = {
    "credit": ["credit.decide_credit_check"],
    # Webhook deliveries and outgoing email: slow receivers hold these workers, and nothing else.
    "notifications": ["core.webhooks.deliver", "core.send_email"],
    "imports": ["customers.run_customer_import", "customers.run_customer_import_part"],
    # The beat schedule's sweeps and purges, and core.health_check.
    "housekeeping": [
        "core.health_check",
        "core.purge_idempotency_records",
        "core.ensure_partitions",
        "core.webhooks.sweep",
        "core.sweep_emails",
        "customers.sweep_stalled_imports",
        "credit.sweep_stalled_checks",
        "credit.expire_enrollments",
        "credit.apply_past_due_holds",
        "credit.send_payment_reminders",
        "credit.send_monthly_statements",
        "credit.send_statement_batch",
    ],
}
# Each queue on an exchange of its own (kombu binds a bare Queue to the default one, with every other queue).
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in CELERY_TASK_QUEUE_TASKS]
CELERY_TASK_DEFAULT_QUEUE = "housekeeping"
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in CELERY_TASK_QUEUE_TASKS.items() for task in tasks}
# --- credit (credit/tasks.py); `expires` drops runs that queued up during an outage instead of replaying them all.
CELERY_BEAT_SCHEDULE |= {
    "credit-sweep-stalled-checks": {
        "task": "credit.sweep_stalled_checks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "credit-expire-enrollments": {"task": "credit.expire_enrollments", "schedule": 900.0, "options": {"expires": 850}},
    "credit-apply-past-due-holds": {
        "task": "credit.apply_past_due_holds",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # The day's reminders go out with the first run of each UTC day; the later runs find them sent (and make up for
    # a run that was missed). Safe to run as often as this: each reminder is sent once, ever.
    "credit-send-payment-reminders": {
        "task": "credit.send_payment_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
}

# --- Monthly statements (credit/statements.py, docs/domain.md "Statements") ----------------------------------------
# Statement months are UTC calendar months. On the 1st at STATEMENT_EMAIL_HOUR (UTC) each active user of a customer
# with activity or a balance in a currency is emailed the previous month's statement (PDF attached), once per
# customer, currency, month and user; the task fans out in batches of STATEMENT_BATCH_SIZE balances.
SELLER_NAME = os.environ.get("SELLER_NAME", "creditdesk")
_statement_hour = os.environ.get("STATEMENT_EMAIL_HOUR", "6").strip()
if not (_statement_hour.isdigit() and 0 <= int(_statement_hour) <= 23):
    raise ImproperlyConfigured(f"STATEMENT_EMAIL_HOUR is an hour of the day, 0 to 23 (UTC), not {_statement_hour!r}.")
STATEMENT_EMAIL_HOUR = int(_statement_hour)
STATEMENT_BATCH_SIZE = 200
# A TrueType font with a "-Bold" sibling (Debian's fonts-dejavu-core); without it PDFs use Helvetica (Latin-1 only).
STATEMENT_PDF_FONT = os.environ.get("STATEMENT_PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CELERY_BEAT_SCHEDULE["credit-send-monthly-statements"] = {
    "task": "credit.send_monthly_statements",
    "schedule": crontab(minute=0, hour=STATEMENT_EMAIL_HOUR, day_of_month=1),
    # Late (a stopped queue) is better than never within the day; the emails' keys make a second run send nothing.
    "options": {"expires": 20 * 3600},
}

# --- Webhooks ------------------------------------------------------------------------------------------------------
# A web request that records an event publishes its deliveries after commit; a broker host that drops packets must
# not hold it for long (the outbox sweep below sends whatever could not be published).
CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = 2
# A broker that accepts connections and never answers (hung, or a half-open route) must fail a publish too, not hold
# it for ever; core.outage.BROKER then skips the broker for a few seconds.
CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] = 2
# The outbox sweep: fans out events whose after-commit dispatch never ran and enqueues overdue deliveries.
CELERY_BEAT_SCHEDULE["webhooks-outbox-sweep"] = {
    "task": "core.webhooks.sweep",
    "schedule": 60.0,
    # A sweep that waited longer than its period in a stopped queue is superseded by the next one.
    "options": {"expires": 55},
}
# Refuse webhook URLs whose host resolves to private, loopback, link-local, multicast or reserved addresses, so that
# webhooks cannot be aimed at internal services. Only development and test settings allow them.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
# (connect, read) timeouts of one delivery attempt, in seconds.
WEBHOOKS_TIMEOUT = (3.0, 10.0)

# --- Email (core/email) ----------------------------------------------------------------------------------------------
# EMAIL_URL names the SMTP server (core/email/configuration.py: smtp://user:pass@host:587?tls=1, smtps://…:465);
# without it (the embedded default) every message is printed to the terminal and kept as a .eml file in var/mail/
# (EMAIL_FOLDER).
# Production refuses to start without EMAIL_URL and DEFAULT_FROM_EMAIL.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    MAILERS = {"default": mailer_from_url(EMAIL_URL)}
else:
    MAILERS = {
        "default": {
            "BACKEND": "core.email.backends.TerminalAndFolderBackend",
            "OPTIONS": {"file_path": os.environ.get("EMAIL_FOLDER", str(BASE_DIR / "var" / "mail"))},
        }
    }
DEFAULT_FROM_EMAIL = checked_address(
    os.environ.get("DEFAULT_FROM_EMAIL", "creditdesk <no-reply@localhost>"), setting="DEFAULT_FROM_EMAIL"
)
# Where replies go, when not to the sender (comma-separated; optional).
EMAIL_REPLY_TO = checked_addresses(env_list("EMAIL_REPLY_TO"), setting="EMAIL_REPLY_TO")
# A failed send is tried again after 1, 4, 16 and 64 minutes and about 4 hours (EMAIL_RETRY_BASE_SECONDS * 4^n, at
# most EMAIL_RETRY_MAX_SECONDS); after EMAIL_MAX_ATTEMPTS attempts the email is `failed`.
EMAIL_MAX_ATTEMPTS = 6
EMAIL_RETRY_BASE_SECONDS = 60
EMAIL_RETRY_MAX_SECONDS = 6 * 3600
# The sweep (core.sweep_emails, every minute) hands over again pending emails that are due and whose task was never
# handed to the broker (after EMAIL_SWEEP_GRACE_SECONDS, which leaves fresh ones to their own after-commit dispatch)
# or was handed over more than EMAIL_REDISPATCH_AFTER_SECONDS ago and evidently lost.
EMAIL_SWEEP_GRACE_SECONDS = 60 if REDIS_URL else 0
EMAIL_REDISPATCH_AFTER_SECONDS = 300
CELERY_BEAT_SCHEDULE["email-sweep"] = {"task": "core.sweep_emails", "schedule": 60.0, "options": {"expires": 55}}

# --- Buyer portal (portal/, docs/portal.md) ---------------------------------------------------------------------------
# Sign-in links (emailed, or made through POST /api/v1/customers/{id}/portal-sessions) work once, within this time.
PORTAL_LINK_TTL_SECONDS = 15 * 60
# A portal session ends after this long without a request, and in any case this long after sign-in.
PORTAL_SESSION_IDLE_SECONDS = 30 * 60
PORTAL_SESSION_MAX_SECONDS = 12 * 3600
# Its own cookie (path /portal/, HttpOnly, SameSite=Lax, Secure where SESSION_COOKIE_SECURE is): never the staff one.
PORTAL_SESSION_COOKIE_NAME = "creditdesk_portal"
# Sign-in link requests per address asked for, and per client address, in a window from the first (portal/throttle.py).
PORTAL_SIGN_IN_PER_EMAIL = 5
PORTAL_SIGN_IN_PER_IP = 20
PORTAL_SIGN_IN_WINDOW_SECONDS = 15 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "/staff/login"
LOGIN_REDIRECT_URL = "/staff/"

# The URL clients reach this site at (core.links). Links answered to a request (pagination `next`, an error's
# documentation_url) use it when set, else the scheme and host the client called; links made outside a request
# (enrollment links in emails, customer payloads and webhooks) need it: a system check warns when it is missing
# (an error where PUBLIC_BASE_URL_REQUIRED, as in production). No default: a guessed host (127.0.0.1:8000 whatever
# port the server runs on) hands out links that point nowhere.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
PUBLIC_BASE_URL_REQUIRED = False

# Credit settings.
CREDIT_DECISION_PROVIDER = os.environ.get("CREDIT_DECISION_PROVIDER", "credit.engine.ScorecardProvider")
NET_TERMS_ENROLLMENT_TTL_DAYS = int(os.environ.get("NET_TERMS_ENROLLMENT_TTL_DAYS", "14"))
CREDIT_HOLD_PAST_DUE_DAYS = 15
# Payment reminders: days relative to a purchase's due date (-3: three days before; 0: the due date; 7: a week after),
# comma-separated; empty sends none. Checked at start-up (credit.E001); credit/reminders.py says how a day is reached.
CREDIT_REMINDER_DAYS = os.environ.get("CREDIT_REMINDER_DAYS", "-3,0,1,7,14")
# The stalled-check sweep: a pending check is re-dispatched when it was never handed to the broker (after a grace
# period that leaves it to its own after-commit dispatch) or handed over longer ago than a decision can take; after
# CREDIT_CHECK_MAX_DISPATCHES hand-overs it goes to the staff review queue instead.
# Bulk imports the same way (customers.sweep_stalled_imports): an upload made while the broker was down, or whose task
# was lost, is handed over again.
IMPORT_DISPATCH_GRACE_SECONDS = 60
IMPORT_REDISPATCH_AFTER_SECONDS = 600
# How many workers may share one large import file (each takes a part of at least 5,000 rows).
IMPORT_PARTS = int(os.environ.get("IMPORT_PARTS", "2"))
CELERY_BEAT_SCHEDULE["customers-sweep-stalled-imports"] = {
    "task": "customers.sweep_stalled_imports",
    "schedule": 60.0,
    "options": {"expires": 55},
}
CREDIT_CHECK_DISPATCH_GRACE_SECONDS = 60
CREDIT_CHECK_REDISPATCH_AFTER_SECONDS = 300
CREDIT_CHECK_MAX_DISPATCHES = 5

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# OAuth2 client credentials (django-oauth-toolkit), compliant with the OAuth 2.0 Security BCP (RFC 9700).
OAUTH2_PROVIDER = {
    "SCOPES": {
        "customers:read": "Read customers, their users and payment methods",
        "customers:write": "Create and change customers, their users and payment methods",
        "credit:read": "Read credit checks, decisions, balances, transactions and the ledger",
        "credit:write": "Request credit checks and spend, release or repay credit",
        "webhooks:manage": "Manage webhook endpoints and deliveries",
    },
    "DEFAULT_SCOPES": ["customers:read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Each client gets at most the scopes of its core.OAuthClientScopes row (manage.py create_oauth_client).
    "SCOPES_BACKEND_CLASS": "core.api.oauth.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "core.api.oauth.Validator",
}

# core.OAuthClientScopes points at the application model; Django resolves swappable references through this name.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# --- REST API v1 (core/api) ---------------------------------------------------------------------------------------
# Endpoints subclass core.api.views.ApiView, which sets its own classes; these defaults keep any other DRF view
# closed and answering in the API's formats.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.auth.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.auth.ScopePermission"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.JsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JsonParser"],
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "creditdesk API",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_PATCH": False,
    # A field that refuses "" says so (minLength 1), so generated clients and fuzzers send what is accepted.
    "ENFORCE_NON_BLANK_FIELDS": True,
    "ENUM_NAME_OVERRIDES": {
        "ErrorTypeEnum": ["request_error", "api_error"],
        "PaymentMethodTypeEnum": "customers.models.PaymentMethodType",
        "BankAccountTypeEnum": "customers.models.BankAccountType",
        "CardMethodTypeEnum": ["card"],
        "BankAccountMethodTypeEnum": ["bank_account"],
        # Several `status` choice sets (customers and users share one; credit transactions; deliveries) and
        # `terms` / `default_terms` sharing one list: named, not numbered.
        "StatusEnum": "customers.models.CustomerStatus",
        "CreditTransactionStatusEnum": "credit.models.CreditTransactionStatus",
        "DefaultTermsEnum": "customers.models.Terms",
        "WebhookDeliveryStatusEnum": "core.models.DeliveryStatus",
        "EventTypeEnum": "core.models.EventType",
        # An actor's `type` (decisions, ledger entries, events), beside the payment methods' above.
        "ActorTypeEnum": "core.models.ActorType",
        "CustomerUserRoleEnum": "customers.models.CustomerUserRole",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess_schema",
    ],
    # Served by the app itself (drf-spectacular-sidecar): the docs work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Requests per client (API key or OAuth client) per minute (core/api/ratelimit.py).
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "1200"))
API_RATE_LIMIT_WINDOW = 60
# --- Partitioned history (core/partitions.py, docs/scaling.md): on PostgreSQL these tables are partitioned by the month
# of their ids; a daily task keeps partitions ready this many months ahead (a default partition catches the rest).
PARTITIONED_MODELS = ["core.Event", "credit.CreditLedgerEntry"]
PARTITION_MONTHS_AHEAD = int(os.environ.get("PARTITION_MONTHS_AHEAD", "3"))
# `manage.py detach_event_partitions` detaches the event log's months older than this (with their webhook deliveries).
EVENT_RETENTION_MONTHS = int(os.environ.get("EVENT_RETENTION_MONTHS", "24"))
CELERY_BEAT_SCHEDULE["ensure-partitions"] = {
    "task": "core.ensure_partitions",
    "schedule": 86400.0,
    "options": {"expires": 82800},
}
CELERY_BEAT_SCHEDULE["purge-idempotency-records"] = {
    "task": "core.purge_idempotency_records",
    "schedule": 3600.0,
    "options": {"expires": 3500},
}

# Benchmark baselines (bench/urls.py) are routed only when this is on; see `make bench`.
BENCH_MODE = env_bool("BENCH_MODE")

# --- Hardening (docs/reliability.md) -------------------------------------------------------------------------------
# Django limits form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, which it streams to disk whatever
# their size: core.middleware.RequestBodyLimitMiddleware refuses any body declared larger than this (the CSV import
# takes up to 5 MB, plus the multipart envelope) before it is read.
REQUEST_BODY_MAX_BYTES = 6 * 1024 * 1024
# The whole site's Content-Security-Policy (Django's own): everything from this origin, inline code only with the
# per-response nonce (the admin and the API docs use it), no plugins, no framing, forms posting only here. The staff
# UI takes the same policy without the nonce (core.staff.access.STAFF_CSP).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Sign-in throttling for the staff UI and the admin (core/staff/throttle.py): failed attempts counted in the cache
# per username and client address, and per client address over all usernames, in a window that starts at the first
# failure. A proxy in front of the app must be counted for the client address to be the caller's.
LOGIN_FAILURES_PER_USER_AND_IP = 5
LOGIN_FAILURES_PER_IP = 30
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
# Proxies in front of the app that append to X-Forwarded-For: the sign-in throttle and the API's limiter for public
# endpoints both take the client address from there (DRF's rule). 0, not DRF's default None: with None a client's
# own X-Forwarded-For header would pick the address it is counted under.
REST_FRAMEWORK["NUM_PROXIES"] = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))
# oauthlib logs every access token it issues, and django-oauth-toolkit the Basic credentials it cannot decode, at
# DEBUG: whatever LOG_LEVEL says, those two loggers stop at INFO, so no credential reaches a log.
LOGGING["loggers"] = {
    **LOGGING.get("loggers", {}),
    "oauthlib": {"level": "INFO"},
    "oauth2_provider": {"level": "INFO"},
}
