"""Test settings: the real settings with a fast hasher and nothing that needs TLS."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("CACHE_KEY_PREFIX", "newsroom-tests")
os.environ.setdefault("TASKS_BACKEND", "immediate")  # renditions made when queued

from newsroom.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".cache" / "test-media"  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
AXES_ENABLED = True
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# SQLite: a file, not shared memory, so the live server's threads wait for locks.
(BASE_DIR / ".cache").mkdir(exist_ok=True)  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".cache" / "test-db.sqlite3")}  # noqa: F405

# A "replica" alias mirroring the test database, so the router can be exercised.
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
SERVE_MEDIA = True

# The ratings tests' own app (a model with a rated field, a page showing it): they also
# run without the rest of the project (ratings/tests/settings.py).
INSTALLED_APPS = [*INSTALLED_APPS, "ratings.tests"]  # noqa: F405
