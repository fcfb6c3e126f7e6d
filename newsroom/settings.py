"""Settings for Newsroom, read from the environment (see README "Configuration")."""

from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG off the app refuses to serve on this key (newsroom/wsgi.py, asgi.py and
# `check --deploy`); offline commands such as makemigrations still run.
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.sites",
    "django.contrib.redirects",
    "django.contrib.flatpages",
    "django.contrib.postgres",
    "django_prose_editor",
    "taggit",
    "reversion",
    "newsroom.apps.AxesConfig",  # django-axes, named for editors
    "csp",
    "modern_csrf",
    "edge_cache",
    "django_tasks",
    "newsroom.apps.TasksDatabaseConfig",  # django-tasks-db, named for editors
    "images",
    "articles",
    "live",
    "imports",
    "ratings",
    "demo",
    "newsroom.apps.NewsroomConfig",
]

MIDDLEWARE = [
    # /healthz for probes: whatever Host they send, over plain HTTP, not logged.
    "newsroom.middleware.HealthCheckMiddleware",
    "newsroom.middleware.RequestLogMiddleware",
    "newsroom.middleware.HeadMiddleware",
    # Above everything else that can answer (the HTTPS redirect, a 400, old addresses, a
    # stored page, a flat page), so that every response carries the same frame options
    # and Content Security Policy and Permissions Policy.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.CSPMiddleware",
    "newsroom.middleware.PermissionsPolicyMiddleware",
    "newsroom.middleware.PlainHttpPrivateMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsroom.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every other text answer compressed (stored pages come compressed from the page
    # cache; static files precompressed by WhiteNoise, gzip and Brotli).
    "newsroom.middleware.CompressionMiddleware",
    # Routes each request's reads (and answers again from the primary when a replica
    # fails); above the page cache, whose content version reads may need the database.
    "newsroom.db_router.PinPrimaryMiddleware",
    # Old addresses (imported WordPress links, flat pages) answer only where ours 404.
    "articles.redirects.OldAddressMiddleware",
    # Pages stored for anonymous readers are served from here, with the headers the
    # middleware below added when the page was rendered, before sessions, locale, URL
    # resolving and the views.
    "articles.delivery.pagecache.ReaderPageCacheMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
SITE_ID = 1  # django.contrib.sites: the one site that redirects and flat pages belong to
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "django.template.context_processors.i18n",
                "articles.context_processors.site",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL (psycopg2) in production.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Read replicas, comma separated: aliases replica, replica_2, ... (newsroom/replicas.py).
DATABASE_REPLICAS = []
for _n, _url in enumerate(env.list("DATABASE_REPLICA_URL", default=[]), start=1):
    _alias = "replica" if _n == 1 else f"replica_{_n}"
    DATABASES[_alias] = {**env.db_url_config(_url), "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS.append(_alias)
# A replica further behind than this (seconds since the last transaction it replayed,
# while it has WAL it has not replayed) serves no reads, even of data it has.
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=10.0)
if DATABASE_REPLICAS:
    if not all(
        DATABASES[a]["ENGINE"].endswith("postgresql") for a in ["default", *DATABASE_REPLICAS]
    ):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL: DATABASE_URL and every replica must be "
            "postgres://… addresses."
        )
    # Django's PostgreSQL backend with the hooks that keep replica reads fresh.
    for _alias in ["default", *DATABASE_REPLICAS]:
        DATABASES[_alias]["ENGINE"] = "newsroom.postgresql"
    DATABASE_ROUTERS = ["newsroom.db_router.PrimaryReplicaRouter"]
for _db in DATABASES.values():
    if _db["ENGINE"].endswith("sqlite3"):
        _db.setdefault("OPTIONS", {}).update(
            {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            }
        )
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# A story page's reads as PostgreSQL prepared statements (articles/server_statements.py):
# off behind a pooler that shares server connections between clients (PgBouncer's
# transaction pooling).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
for _alias in DATABASE_REPLICAS:
    # a dead replica costs a request at most this long before its breaker opens
    DATABASES[_alias]["OPTIONS"].update(connect_timeout=2, tcp_user_timeout=3000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, sessions and rate limits: Redis when REDIS_URL is set, shared by every app server.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="newsroom"),
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Languages: Ukrainian at the root, English under /en/.
LANGUAGE_CODE = "uk"
FORMAT_MODULE_PATH = ["newsroom.formats"]  # dates written one way (newsroom/formats/uk)
LANGUAGES = [("uk", _("Ukrainian")), ("en", _("English"))]
# The project's catalog, then Django admin phrases reworded to agree with any noun.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "django-admin"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Kyiv"

# Static files (WhiteNoise, hashed names) and media (Django storage API).
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="")
STORAGES = {
    "default": {"BACKEND": "newsroom.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE:
    raise ImproperlyConfigured("MEDIA_STORAGE must be empty (local folder) or 's3'.")
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security. Production differs from a laptop only by environment variables.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The admin's language choice (/i18n/setlang/); readers' pages take theirs from the address.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page uses, refused to the site and every frame in it (only
# features every current browser knows: an unknown one is an error in its console).
PERMISSIONS_POLICY = [
    "accelerometer",
    "camera",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # 'self' plus a per-request nonce, used only by the admin's editor import map.
        "script-src": ["'self'", NONCE],
        # Admin widgets set style attributes; no script may run inline.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"] + env.list("CSP_IMG_HOSTS", default=[]),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Players of embeds, framed only after a reader clicks a facade (articles/embeds.py);
        # no third-party script: their own scripts run inside their frames.
        "frame-src": [
            "https://www.youtube-nocookie.com",
            "https://t.me",
            "https://platform.twitter.com",
        ],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Admin login throttling (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
# Locks the client that failed, not the account: by username alone, anyone could lock
# an editor out by failing in their name.
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
# The client is the address the trusted proxies name, as for votes (see TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "errors/lockout.html"

# Proxies (addresses or networks) in front of the app servers whose X-Forwarded-For is
# believed: the load balancer, Varnish. Used for vote limits and the admin login throttle.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Ratings.
RATINGS_VOTES_PER_ADDRESS = env.int("RATINGS_VOTES_PER_ADDRESS", default=30)
RATINGS_TRUSTED_PROXIES = env.list("RATINGS_TRUSTED_PROXIES", default=TRUSTED_PROXIES)
RATINGS_ADDRESS_HASH_KEY = env.str("RATINGS_ADDRESS_HASH_KEY", default=SECRET_KEY)
RATINGS_JSONLD = env.bool("RATINGS_JSONLD", default=False)
RATINGS_BAYES_WEIGHT = env.int("RATINGS_BAYES_WEIGHT", default=10)

# Background work (renditions) on Django's tasks API: a queue in the database by default,
# so nothing else need run; TASKS_BACKEND=rq puts it in Redis (REDIS_URL) for RQ workers.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "immediate":  # tasks run inside the request that queues them
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("TASKS_BACKEND must be database, rq or immediate.")

# Articles.
ARTICLES_TEASER_LENGTH = env.int("ARTICLES_TEASER_LENGTH", default=150)
ARTICLES_RELATED_COUNT = 6
ARTICLES_RELATED_MAX_AGE_DAYS = env.int("ARTICLES_RELATED_MAX_AGE_DAYS", default=90)
# the stories read from the index for each of a story's words when its neighbours are computed
ARTICLES_RELATED_CANDIDATES = env.int("ARTICLES_RELATED_CANDIDATES", default=400)
ARTICLES_PER_PAGE = 12
ARTICLES_IMAGE_MAX_PIXELS = 40_000_000
ARTICLES_IMAGE_MAX_BYTES = 10 * 1024 * 1024
# images one person may keep waiting in story forms (sent back with errors) for a day
ARTICLES_HELD_UPLOADS_PER_USER = env.int("ARTICLES_HELD_UPLOADS_PER_USER", default=20)
ARTICLES_HELD_UPLOADS_BYTES_PER_USER = (
    env.int("ARTICLES_HELD_UPLOADS_MB_PER_USER", default=100) * 1024 * 1024
)
ARTICLES_RENDITION_WIDTHS = [480, 800, 1200]
SITE_NAME = env.str("SITE_NAME", default="Newsroom")
# The newsroom's channels, shown in the footer: "Telegram=https://t.me/…,Facebook=https://…"
SOCIAL_LINKS = [
    tuple(item.split("=", 1)) for item in env.list("SOCIAL_LINKS", default=[]) if "=" in item
]
# The canonical origin: every absolute address in a page, so pages are the same bytes
# whatever Host a request names.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# HTTP caches in front (Varnish with xkey): purged after every change and vote.
EDGE_PURGE_URLS = env.list("EDGE_PURGE_URLS", default=[])
# Cookies that mean "this reader may see something of their own" (no stored page for
# them), each with the check that tells one the site set from a made-up one.
PAGE_CACHE_BYPASS_COOKIES = {"nr_primary": "newsroom.db_router.pin_is_valid"}

CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
MESSAGE_STORAGE = "articles.delivery.cookies.TimedCookieStorage"
LOGIN_URL = "admin:login"

# Logs: one JSON object per line in production, readable lines with DEBUG on.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "newsroom.logs.UTCJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {
            "()": "newsroom.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # Said at every start of every command: "AXES: BEGIN", "Loading dictionaries"
        "axes.apps": {"level": "WARNING"},
        "pymorphy3": {"level": "WARNING"},
    },
}
