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
