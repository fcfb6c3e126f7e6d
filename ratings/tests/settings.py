"""Settings for the ratings tests alone: no `articles`, no project package, any cache.

    pytest ratings/tests --ds=ratings.tests.settings

The database is DATABASE_URL's (SQLite without one), the cache Django's local memory.
"""

from pathlib import Path

import environ

env = environ.Env()
ROOT = Path(__file__).resolve().parents[2]

SECRET_KEY = "ratings-tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "modern_csrf",
    "ratings",
    "ratings.tests",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "ratings.tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///:memory:")}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # a test database of its own: this run may go beside the project's
    DATABASES["default"]["TEST"] = {"NAME": f"test_ratings_{DATABASES['default']['NAME']}"}
REDIS_URL = ""  # read by the root conftest's require_redis
# Django's local-memory cache: ratings.cache orders its writes itself (with Django's
# Redis backend, which cannot, scores are not cached at all).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", "Українська"), ("en", "English")]
LOCALE_PATHS = [ROOT / "locale"]  # the catalog the ratings' phrases are translated in
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Kyiv"
MEDIA_ROOT = ROOT / ".cache" / "ratings-test-media"
