"""Purges at HTTP caches in front: a cache that is down never fails a save, and is logged
without flooding the log."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from articles.delivery import edge
from articles.models import Article
from edge_cache import purge
from tests.factories import ArticleFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def test_saves_while_the_cache_in_front_is_down_log_it_once(settings, caplog):
    down = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    settings.EDGE_PURGE_URLS = [down]
    purge._purger._failures.clear()
    with caplog.at_level(logging.ERROR, logger="edge_cache"):
        stories = [ArticleFactory(title=f"Новина {n}") for n in range(5)]
        for story in stories:
            purge.purge([edge.story_key(story.pk)])
    assert Article.objects.count() == 5  # every save went through
    lines = [r.getMessage() for r in caplog.records if r.name == "edge_cache"]
    assert len(lines) == 1 and down in lines[0] and "unreachable" in lines[0]
    # a minute later, the next failure is logged with the count of those that were not
    when, unlogged = purge._purger._failures[down]
    assert unlogged >= 4
    purge._purger._failures[down] = (when - purge.QUIET_SECONDS, unlogged)
    with caplog.at_level(logging.ERROR, logger="edge_cache"):
        purge.purge([edge.HOME])
    assert f"({unlogged} more failed purges not logged)" in caplog.records[-1].getMessage()


class _SlowCache(BaseHTTPRequestHandler):
    """A cache that takes a while to answer a purge, and notes the keys of each."""

    received = []

    def do_PURGE(self):  # noqa: N802 (http.server's name)
        time.sleep(0.2)
        self.received.append(set(self.headers["xkey-purge"].split()))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_purges_made_meanwhile_go_together_and_each_caller_waits_for_its_own(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowCache)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{server.server_port}/"]
    _SlowCache.received = []
    answered = {}

    def change(n):
        purge.purge([f"story-{n}"])
        answered[n] = [set(keys) for keys in _SlowCache.received]  # what had arrived

    try:
        callers = [threading.Thread(target=change, args=(n,)) for n in range(8)]
        for caller in callers:
            caller.start()
            time.sleep(0.02)
        for caller in callers:
            caller.join(10)
    finally:
        server.shutdown()
        server.server_close()
    sent = _SlowCache.received
    assert set().union(*sent) == {f"story-{n}" for n in range(8)}
    assert 2 <= len(sent) < 8  # the first alone, the others gathered while it was on its way
    for n in range(8):  # nobody was answered before a purge with their key had arrived
        assert any(f"story-{n}" in keys for keys in answered[n])


class _Cache(BaseHTTPRequestHandler):
    """A cache whose first purge finds its connection closed, or that never answers."""

    protocol_version = "HTTP/1.1"  # connections kept open, as Varnish keeps them
    requests = 0
    mode = "drops the first"

    def do_PURGE(self):  # noqa: N802 (http.server's name)
        type(self).requests += 1
        if self.mode == "hangs":
            time.sleep(purge.TIMEOUT_SECONDS + 1)
        elif self.requests == 1:
            self.close_connection = True  # closed without an answer, as at an idle timeout
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _purge_once(settings, mode):
    _Cache.requests, _Cache.mode = 0, mode
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Cache)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    settings.EDGE_PURGE_URLS = [url]
    purge._purger._failures.clear()
    try:
        purge.purge([edge.HOME])
    finally:
        server.shutdown()
        server.server_close()
    return url


def test_a_purge_whose_connection_closes_under_it_is_sent_again(settings, caplog):
    with caplog.at_level(logging.ERROR, logger="edge_cache"):
        _purge_once(settings, "drops the first")
    assert _Cache.requests == 2
    assert not [r for r in caplog.records if r.name == "edge_cache"]


def test_a_cache_that_does_not_answer_is_asked_once_and_logged(settings, caplog):
    with caplog.at_level(logging.ERROR, logger="edge_cache"):
        started = time.monotonic()
        url = _purge_once(settings, "hangs")
        waited = time.monotonic() - started
    assert _Cache.requests == 1
    assert waited < purge.TIMEOUT_SECONDS + 1  # the purge's timeout, not the cache's sleep
    [line] = [r.getMessage() for r in caplog.records if r.name == "edge_cache"]
    assert url in line and "unreachable" in line


class _BrokenBackend:
    header = "xkey"

    def __init__(self, url):
        self.url = url

    def purge(self, keys, *, timeout):
        raise ValueError("a backend's own fault")


def test_a_backend_that_fails_its_own_way_fails_no_save_and_is_logged(settings, caplog):
    settings.EDGE_CACHE_BACKEND = f"{__name__}._BrokenBackend"
    settings.EDGE_PURGE_URLS = ["http://cache.invalid/"]
    purge._purger._failures.clear()
    with caplog.at_level(logging.ERROR, logger="edge_cache"):
        story = ArticleFactory(title="Збережено попри все")
        purge.purge([edge.story_key(story.pk)])
        purge.purge([edge.HOME])  # and the next purge is sent, not waited for
    assert Article.objects.filter(title="Збережено попри все").exists()
    lines = [r.getMessage() for r in caplog.records if r.name == "edge_cache"]
    assert lines and "a backend's own fault" in lines[0]
    assert not purge._purger._busy
