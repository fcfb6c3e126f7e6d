"""Purges at HTTP caches in front: a cache that is down never fails a save, and is logged
without flooding the log."""

import logging

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
