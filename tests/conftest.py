import os
import shutil

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from articles.delivery import pagecache
from ratings import cache as score_cache
from tests.factories import ArticleFactory, EditorFactory, SectionFactory, UserFactory

IN_CI = bool(os.environ.get("CI"))


def require_postgres():
    """Skip (locally) or fail (in CI) when the database is not PostgreSQL."""
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://… (see README)"
        if IN_CI:
            pytest.fail(f"CI must run on PostgreSQL: {reason}")
        pytest.skip(reason)


def require_redis():
    if not settings.REDIS_URL:
        reason = "needs Redis: set REDIS_URL=redis://… (see README)"
        if IN_CI:
            pytest.fail(f"CI must run with Redis: {reason}")
        pytest.skip(reason)


@pytest.fixture
def postgres(db):
    require_postgres()


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    # transactional tests flush the database; content types may come back with new ids
    ContentType.objects.clear_cache()
    cache.clear()
    pagecache._live_keys.clear()
    score_cache._unpublished.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture
def section(db):
    return SectionFactory(name="Світ", slug="svit")


@pytest.fixture
def article(db, section):
    return ArticleFactory(section=section, title="Європа погодила підтримку", slug="yevropa")


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def reader(db):
    return UserFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _ukrainian_by_default():
    """Requests activate their language in the test thread; start every test in Ukrainian."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# CI explores the same examples every run (a failure is reproducible); laptops explore anew.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")
