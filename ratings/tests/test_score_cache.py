"""The cached live score: never older than the last committed vote, whatever the timing."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import transaction

from articles.models import Article
from newsroom.cache import ResilientRedisCache
from ratings import cache as score_cache
from ratings.models import Score
from ratings.services import Voter, cast_vote
from tests.conftest import require_redis

pytestmark = pytest.mark.django_db


def vote(article, key, score):
    return cast_vote(target=article, field="rating", voter=Voter(cookie_id=key), score=score)


def cached_value(article):
    return cache.get(score_cache.cache_key_for(Article, article.pk, "rating"))


@pytest.fixture(params=["locmem", "redis"])
def backend(request):
    if request.param == "locmem":
        yield LocMemCache("score-cache-test", {})
        return
    require_redis()
    redis_cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "score-cache-test"})
    redis_cache.clear()
    yield redis_cache
    redis_cache.clear()


def test_set_if_newer_keeps_the_highest_order(backend):
    assert score_cache.set_if_newer(backend, "k", "five", 5, 60) is True
    assert score_cache.set_if_newer(backend, "k", "three", 3, 60) is False  # a late, older writer
    assert score_cache.set_if_newer(backend, "k", "five again", 5, 60) is False  # same order: kept
    assert backend.get("k") == "five"
    assert score_cache.set_if_newer(backend, "k", ("seven",), 7, 60) is True
    assert backend.get("k") == ("seven",)


def test_a_value_that_lost_its_order_is_dropped_not_overwritten(backend):
    score_cache.set_if_newer(backend, "k", "new", 9, 60)
    backend.delete("k:order")  # evicted on its own
    assert score_cache.set_if_newer(backend, "k", "old", 1, 60) is False
    assert backend.get("k") is None
    assert score_cache.set_if_newer(backend, "k", "fresh", 2, 60) is True


def test_a_vote_marks_the_score_pending_until_it_commits(
    article, django_capture_on_commit_callbacks
):
    vote(article, "a", 5)
    with django_capture_on_commit_callbacks(execute=False) as published:
        vote(article, "b", 3)
        # in flight: nobody may serve the old (1, 5) from the cache any more
        assert cached_value(article) == score_cache.PENDING
    for callback in published:
        callback()
    assert cached_value(article) == (2, 8)


def test_a_reader_that_read_before_the_vote_cannot_put_the_old_score_back(article):
    vote(article, "a", 4)
    ct_id = Score.objects.get().content_type_id
    stale = score_cache.read_row(ct_id, article.pk, "rating")  # (1, 4, revision 1)
    with transaction.atomic():
        vote(article, "b", 2)
    score_cache.score(Article, article.pk, "rating")  # (2, 6) now cached
    key = score_cache.score_cache_key(ct_id, article.pk, "rating")
    assert score_cache.set_if_newer(cache, key, stale[:2], 2 * stale[2] + 1, 60) is False
    assert score_cache.score(Article, article.pk, "rating") == (2, 6)


def test_a_worker_dying_between_commit_and_publish_heals_on_the_next_read(
    article, django_capture_on_commit_callbacks
):
    vote(article, "a", 5)
    score_cache.score(Article, article.pk, "rating")
    with django_capture_on_commit_callbacks(execute=False):
        vote(article, "b", 1)  # committed, but its publish never runs
    assert cached_value(article) == score_cache.PENDING
    assert score_cache.score(Article, article.pk, "rating") == (2, 6)  # from the row
    assert cached_value(article) == (2, 6)  # and published by the reader


def test_a_rolled_back_vote_leaves_the_old_score(article):
    vote(article, "a", 5)
    with pytest.raises(RuntimeError), transaction.atomic():
        vote(article, "b", 1)
        raise RuntimeError("the request failed after the vote")
    assert score_cache.score(Article, article.pk, "rating") == (1, 5)
    vote(article, "c", 3)  # the next vote publishes normally
    assert score_cache.score(Article, article.pk, "rating") == (2, 8)


def test_the_warm_story_page_shows_a_new_vote_without_a_query(
    client, article, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = article.get_absolute_url()
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        vote(article, "a", 4)
    with django_assert_num_queries(0):
        html = client.get(url).content.decode()
    assert "1 голос" in html and "4 з 5" in html
    with django_capture_on_commit_callbacks(execute=True):
        vote(article, "b", 5)
    with django_assert_num_queries(0):
        html = client.get(url).content.decode()
    assert "2 голоси" in html and "4,5 з 5" in html


def test_recompute_fix_replaces_a_cached_drifted_score(article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vote(article, "a", 5)
    Score.objects.update(count=3, total=11)  # drift written behind the services' back
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_ratings", "--fix")
    assert score_cache.score(Article, article.pk, "rating") == (1, 5)


def test_a_score_the_cache_did_not_take_is_published_before_the_next_read(
    article, monkeypatch, django_capture_on_commit_callbacks
):
    vote(article, "a", 5)
    assert score_cache.score(Article, article.pk, "rating") == (1, 5)  # now cached
    key = score_cache.cache_key_for(Article, article.pk, "rating")
    taking = score_cache.set_if_newer
    monkeypatch.setattr(score_cache, "set_if_newer", lambda *args, **kwargs: None)  # stalled
    with django_capture_on_commit_callbacks(execute=True):
        vote(article, "b", 1)
    monkeypatch.setattr(score_cache, "set_if_newer", taking)  # back, with the old value
    assert cache.get(key) == (1, 5)
    # this process remembers what the cache missed: the next read gets the truth
    assert score_cache.score(Article, article.pk, "rating") == (2, 6)
    assert cache.get(key) == (2, 6)
