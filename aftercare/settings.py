"""AfterCare settings: one module, configured by environment variables.

Every variable is documented in `.env.example`. Defaults give a single store
on SQLite in `./var/`; `DATABASE_URL` switches to PostgreSQL; `HTTPS=1` turns
on the production security settings that `manage.py check --deploy` expects.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import pgettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
# `or`, not a default argument: an empty variable (as in .env.example) means "not set".
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY, else SECRET_KEY_FILE, else a key generated once into var/.

    A single store should not have to invent a secret to start; a group's
    deployment sets SECRET_KEY or mounts SECRET_KEY_FILE.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if os.environ.get("SECRET_KEY_FILE"):
        return Path(os.environ["SECRET_KEY_FILE"]).read_text().strip()
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Demo mode shows the demo logins on the login page; never on a real store.
DEMO_MODE = env_bool("DEMO_MODE", False)
# The address customers reach the site at, for links in messages (survey, portal).
SITE_URL = os.environ.get("SITE_URL") or "http://localhost:8000"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "AfterCare2026"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "aftercare.core",
    "aftercare.accounts",
    "aftercare.catalog",
    "aftercare.customers",
    "aftercare.service",
    "aftercare.appointments",
    "aftercare.workshop",
    "aftercare.billing",
    "aftercare.loyalty",
    "aftercare.crm",
    "aftercare.surveys",
    "aftercare.followups",
    "aftercare.complaints",
    "aftercare.parts",
    "aftercare.messaging",
    "aftercare.healthrecords",
    "aftercare.warranty",
    "aftercare.ev",
    "aftercare.privacy",
    "aftercare.reports",
    "aftercare.portal",
    "aftercare.vic",
    "aftercare.desk",
    "aftercare.demo",
]

# No inline script anywhere (the pages' behaviours live in static files); inline styles stay
# allowed (style attributes, the print sheets' <style>, htmx's indicator style). Signatures are
# drawn on a canvas and shown as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aftercare.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aftercare.core.middleware.SecureCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftercare.core.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "aftercare.core.middleware.NullCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's, without its query per request (docs/DOMAIN.md §24.1), then the gate.
    "aftercare.accounts.middleware.VerifiedOTPMiddleware",
    "aftercare.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftercare.core.middleware.AuditContextMiddleware",
    "aftercare.accounts.middleware.CurrentStoreMiddleware",
    # Axes must come last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftercare.urls"
WSGI_APPLICATION = "aftercare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftercare.accounts.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite: WAL so readers never wait for the writer, a busy timeout so a
# second writer queues instead of failing, and IMMEDIATE transactions so the
# write lock is taken at BEGIN: two cashiers can't both read-then-write the
# same balance (SQLite has no SELECT ... FOR UPDATE).
SQLITE_PATH = VAR_DIR / "aftercare.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, reading a decimal past its column instead of failing (core/sqlite).
    DATABASES["default"]["ENGINE"] = "aftercare.core.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "aftercare.accounts.backends.LoginBackend",
    "aftercare.accounts.backends.RolePermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login lockout per username, not per IP: a whole service desk sits
# behind one NAT address and one mistyping colleague must not lock out the rest.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Axes warns that username-only lockout lets an attacker rotate IPs; that is
# the point here: an IP lockout would lock out the whole service desk.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Idle timeout: the session expires after this many idle minutes.
# SessionRefreshMiddleware pushes the expiry forward at most once a minute;
# saving on every request would make every page a database write.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security (production behind HTTPS) ------------------------------------
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SESSION_COOKIE_HTTPONLY = True
# Served over HTTPS without HTTPS=1 (a proxy that says so, a test server): SecureCookiesMiddleware
# marks every cookie of a secure request Secure all the same (docs/DOMAIN.md §24.3).
OTP_TOTP_ISSUER = "AfterCare"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE") or "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# A list filter left empty filters nothing: it reads 全部 (all), not ---------.
FILTERS_EMPTY_CHOICE_LABEL = pgettext_lazy("filter", "All")

# --- Static files: served by the app itself, shops run on closed networks ---
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "aftercare.core.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Background tasks --------------------------------------------------------
# The database backend needs no broker for a single store; a group can point
# TASKS_BACKEND at a distributed backend without touching task code.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
    }
}

# --- Backups -----------------------------------------------------------------
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or VAR_DIR / "backups")
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 14)
BACKUP_TIME = os.environ.get("BACKUP_TIME") or "02:30"

# --- API -----------------------------------------------------------------------
# Days an API token stays valid after it is issued.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aftercare.accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "aftercare.core.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "aftercare.core.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "aftercare.core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AfterCare API",
    "DESCRIPTION": "After-sales service and customer care for dealerships and repair shops.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from the app itself (closed networks, no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, so several apps' "status" / "kind" / "method"
    # fields don't get hash-suffixed names that change when an app is added.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aftercare.core.api.schema.strip_backend_integer_bounds",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SpecialDocumentKindEnum": "aftercare.parts.choices.DocumentKind",
        "EvReadingSourceEnum": "aftercare.ev.choices.ReadingSource",
        "SourceEnum": "aftercare.customers.choices.CustomerSource",
        "RepairOrderStatusEnum": "aftercare.service.choices.Status",
        "LineKindEnum": "aftercare.service.choices.LineKind",
        "LineStatusEnum": "aftercare.service.choices.LineStatus",
        "PayerEnum": "aftercare.service.choices.Payer",
        "ApprovalMethodEnum": "aftercare.service.choices.ApprovalMethod",
        "AppointmentStatusEnum": "aftercare.appointments.choices.AppointmentStatus",
        "PaymentMethodEnum": "aftercare.billing.choices.PaymentMethod",
        "PaymentKindEnum": "aftercare.billing.choices.PaymentKind",
        "IssuedViaEnum": "aftercare.loyalty.choices.IssuedVia",
        "CustomerKindEnum": "aftercare.customers.choices.CustomerKind",
        "JobStatusEnum": "aftercare.workshop.choices.JobStatus",
        "ComplaintStatusEnum": "aftercare.complaints.choices.Status",
        "ComplaintChannelEnum": "aftercare.complaints.choices.Channel",
        "AppointmentChannelEnum": "aftercare.appointments.choices.Channel",
        "ContactChannelEnum": "aftercare.customers.choices.ContactChannel",
        "ClaimStatusEnum": "aftercare.warranty.choices.ClaimStatus",
        "ClaimLineKindEnum": "aftercare.warranty.choices.ClaimLineKind",
        "CoverageEnum": "aftercare.warranty.choices.Coverage",
        "MessageChannelEnum": "aftercare.messaging.choices.Channel",
        "StageEnum": "aftercare.crm.choices.Stage",
        "VicEnrolmentSourceEnum": "aftercare.vic.choices.EnrolmentSource",
        "VicBookingKindEnum": "aftercare.vic.choices.BookingKind",
        "VicBookingStatusEnum": "aftercare.vic.choices.BookingStatus",
        "VicHandoverStageEnum": "aftercare.vic.choices.HandoverStage",
        "VicLoanStatusEnum": "aftercare.vic.choices.LoanStatus",
        "VicChargeKindEnum": "aftercare.vic.choices.ChargeKind",
        "VicEventKindEnum": "aftercare.vic.choices.EventKind",
        "VicRsvpStatusEnum": "aftercare.vic.choices.RsvpStatus",
        "VicErrandKindEnum": "aftercare.vic.choices.ErrandKind",
        "VicErrandStatusEnum": "aftercare.vic.choices.ErrandStatus",
        "RescueStatusEnum": "aftercare.desk.choices.RescueStatus",
        "RescueChannelEnum": "aftercare.desk.choices.RescueChannel",
        "RecoveryStatusEnum": "aftercare.desk.choices.RecoveryStatus",
        "MajorEventKindEnum": "aftercare.desk.choices.EventKind",
        "FaqCategoryEnum": "aftercare.desk.choices.FaqCategory",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL") or "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each step of every PDF (and of its own stylesheets at import) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Scheduled jobs -------------------------------------------------------------
# Jobs the scheduler enqueues: daily at local time "at": "HH:MM", or every
# "every_minutes". Safe to run the scheduler on several machines: each slot is
# claimed by one row.
SCHEDULED_TASKS = [
    {"name": "daily_backup", "task": "aftercare.core.tasks.run_backup", "at": BACKUP_TIME},
    {"name": "analyze_database", "task": "aftercare.core.tasks.analyze_database", "at": "03:30"},
    # Complaint clocks run in hours (first contact within 1 h): check every 15 minutes.
    {"name": "complaint_breaches", "task": "aftercare.complaints.tasks.flag_complaint_breaches", "every_minutes": 15},
    {"name": "followups_generate", "task": "aftercare.followups.tasks.generate_scheduled", "at": "06:00"},
    # Reorder suggestions for the parts clerk's morning review.
    {"name": "parts_reorder", "task": "aftercare.parts.tasks.reorder_nightly", "at": "02:30"},
    # Follow-ups escalate 2 h after their deadline: check every 15 minutes.
    {"name": "followups_escalate", "task": "aftercare.followups.tasks.escalate_overdue", "every_minutes": 15},
    # WeChat Pay / Alipay charges the customer is still confirming (the counter's page asks too).
    {"name": "provider_charges_sync", "task": "aftercare.billing.tasks.sync_open_provider_charges", "every_minutes": 1},
    # Providers publish the previous day's statement in the morning.
    {"name": "provider_reconcile", "task": "aftercare.billing.tasks.reconcile_provider_statements", "at": "10:30"},
    # Stages, tiers and classes, then the retention rules that follow them (docs/DOMAIN.md §11); after the
    # follow-up generation so a rule never makes a call the churn or holiday generation already made.
    # Battery forecasts before the retention rules and segments that read them (docs/DOMAIN.md §17.4).
    {"name": "battery_forecasts", "task": "aftercare.ev.tasks.battery_forecasts_nightly", "at": "05:30"},
    {"name": "retention_nightly", "task": "aftercare.crm.tasks.retention_nightly", "at": "06:30"},
    # The monthly CRM report (docs/DOMAIN.md §18.6): on the 1st, after the stages; ready long before the 5th.
    {"name": "crm_reports_monthly", "task": "aftercare.reports.tasks.crm_reports_monthly", "at": "07:30", "day": 1},
    # Retention limits (docs/DOMAIN.md §16.2): a dry-run report until a manager approves the first run.
    {"name": "privacy_retention", "task": "aftercare.privacy.tasks.retention_nightly", "at": "03:00"},
    {"name": "prune_task_results", "task": "aftercare.core.tasks.prune_finished_tasks", "at": "04:00"},
    # Monthly, on the 1st: restore the newest backup into a scratch database and compare counts.
    {"name": "restore_drill", "task": "aftercare.core.tasks.run_restore_drill", "at": "04:30", "day": 1},
    # Points earned two calendar years ago lapse (docs/DOMAIN.md §13.1); a rerun posts nothing.
    {"name": "points_expire", "task": "aftercare.loyalty.tasks.points_expire_nightly", "at": "02:45"},
    # Member tiers follow the last 12 months' spend and visits (docs/DOMAIN.md §13.1); a rerun moves nobody.
    {"name": "member_tiers_review", "task": "aftercare.loyalty.tasks.member_tiers_review_nightly", "at": "03:15"},
    # Health records still pending after an outage are queued again (docs/DOMAIN.md §23.4); a rerun sends none twice.
    {
        "name": "health_records_upload",
        "task": "aftercare.healthrecords.tasks.upload_pending_health_records",
        "every_minutes": 30,
    },
    # The messaging door's sender: retries after their backoff, messages held for the quiet hours,
    # and rows whose worker died mid-send (docs/DOMAIN.md §15.1).
    {"name": "messages_dispatch", "task": "aftercare.messaging.tasks.messages_dispatch", "every_minutes": 1},
    # Tomorrow's appointments get their reminder; hourly so a booking made today is reminded too.
    # The daily figures (docs/DOMAIN.md §18.3): the last week recomputed, then yesterday checked against the source.
    {"name": "report_figures", "task": "aftercare.reports.tasks.figures_nightly", "at": "01:30"},
    {"name": "report_figures_check", "task": "aftercare.reports.tasks.figures_check_nightly", "at": "05:30"},
    {"name": "appointment_reminders", "task": "aftercare.appointments.tasks.appointment_reminders",
     "every_minutes": 60},
]

# --- Background work: heartbeats, recovery, retries (core.background) ---------------------
# The host part of a worker's stable id (host:slot); the machine's name unless set.
WORKER_HOST = os.environ.get("WORKER_HOST") or ""
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
# A worker silent for this long is dead: its running task is marked failed and re-queued or alerted.
TASK_HEARTBEAT_STALE_SECONDS = env_int("TASK_HEARTBEAT_STALE_SECONDS", 60)
# How often each scheduler looks for stale RUNNING tasks.
TASK_RECOVERY_SECONDS = env_int("TASK_RECOVERY_SECONDS", 120)
# Finished task results older than this are pruned daily.
TASK_RESULT_KEEP_DAYS = env_int("TASK_RESULT_KEEP_DAYS", 14)
# How long `serve` waits for the running task when stopping (seconds; 0 = the longest declared
# max run time plus a minute). Set the supervisor's own stop timeout longer than this.
TASK_STOP_TIMEOUT = env_int("TASK_STOP_TIMEOUT", 0)
# Catch-up runs of several jobs (first start, after downtime) are spread this many seconds apart.
SCHEDULE_SPREAD_SECONDS = env_int("SCHEDULE_SPREAD_SECONDS", 60)
# A daily job whose latest slot has not succeeded this long after its time is overdue (health 503).
SCHEDULE_OVERDUE_MINUTES = env_int("SCHEDULE_OVERDUE_MINUTES", 120)
# Monitoring's token for /health/ (header "Authorization: Bearer <token>"); without a token only
# local addresses may ask.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN") or ""
# Machines running workers. With more than one, BACKUP_DIR must be storage they all share
# (BACKUP_DIR_SHARED=1): a backup is written by whichever worker takes the job, and listed,
# pruned and drilled from the same directory. `manage.py check` refuses otherwise.
AFTERCARE_MACHINES = env_int("AFTERCARE_MACHINES", 1)
BACKUP_DIR_SHARED = os.environ.get("BACKUP_DIR_SHARED", "") in {"1", "true", "yes"}
