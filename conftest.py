"""Fixtures for every test, the apps' unit tests (<app>/tests/) and the system tests (tests/).

The stories' fixtures import `articles` only when a test asks for them, so that the
ratings app's tests also run with a settings module that leaves `articles` out
(ratings/tests/settings.py).
"""

import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from ratings import cache as score_cache
from tests.support import IN_CI, require_postgres


@pytest.fixture
def postgres(db):
    require_postgres()


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    # transactional tests flush the database; content types may come back with new ids
    ContentType.objects.clear_cache()
    cache.clear()
    if apps.is_installed("articles"):
        from articles import fragments
        from articles.delivery import pagecache

        pagecache._live_keys.clear()
        fragments.clear()
    score_cache._unpublished.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture
def section(db):
    from tests.factories import SectionFactory

    return SectionFactory(name="Світ", slug="svit")


@pytest.fixture
def article(db, section):
    from tests.factories import ArticleFactory

    return ArticleFactory(section=section, title="Європа погодила підтримку", slug="yevropa")


@pytest.fixture
def editor(db):
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def reader(db):
    from tests.factories import UserFactory

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


@pytest.fixture
def purges(settings):
    """An HTTP cache in front that records the keys of each purge it is sent."""
    import http.server
    import threading

    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 (the method's name)
            received.append(set(self.headers.get("xkey-purge", "").split()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{server.server_address[1]}/"]
    yield received
    server.shutdown()
    server.server_close()
