"""The cached live score: never older than the last committed vote, whatever the timing."""

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ratings import cache as score_cache
from ratings import ranking
from ratings.models import Score
from ratings.services import Voter, cast_vote
from ratings.tests.models import Recipe

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ratings.tests.urls")]


def vote(recipe, key, score):
    return cast_vote(target=recipe, field="rating", voter=Voter(cookie_id=key), score=score)


def cached_value(recipe):
    return cache.get(score_cache.cache_key_for(Recipe, recipe.pk, "rating"))


@pytest.fixture
def backend():
    """Django's LocMemCache, ordered here; a backend's own set_if_newer (the project's
    Redis backend) has the same tests in tests/test_redis_cache.py."""
    return LocMemCache("score-cache-test", {})


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


def test_the_other_keys_are_stored_whatever_the_order(backend):
    score_cache.set_if_newer(backend, "k", "nine", 9, 60)
    assert score_cache.set_if_newer(backend, "k", "one", 1, 60, also={"other": 7}) is False
    assert backend.get("k") == "nine" and backend.get("other") == 7


def test_a_committed_vote_stores_its_score_and_the_ranking_version_together(
    recipe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        vote(recipe, "a", 4)
    assert cache.get(ranking.version_cache_key()) is None  # nothing before the commit
    published = [callback for callback in after_commit if callback.__name__ == "publish"]
    assert len(published) == 1
    published[0]()
    assert cached_value(recipe) == (1, 4)
    assert ranking.version() > 0


def test_a_vote_marks_the_score_pending_until_it_commits(
    recipe, django_capture_on_commit_callbacks
):
    vote(recipe, "a", 5)
    with django_capture_on_commit_callbacks(execute=False) as published:
        vote(recipe, "b", 3)
        # in flight: nobody may serve the old (1, 5) from the cache any more
        assert cached_value(recipe) == score_cache.PENDING
    for callback in published:
        callback()
    assert cached_value(recipe) == (2, 8)


def test_a_reader_that_read_before_the_vote_cannot_put_the_old_score_back(recipe):
    vote(recipe, "a", 4)
    ct_id = Score.objects.get().content_type_id
    stale = score_cache.read_row(ct_id, recipe.pk, "rating")  # (1, 4, revision 1)
    with transaction.atomic():
        vote(recipe, "b", 2)
    score_cache.score(Recipe, recipe.pk, "rating")  # (2, 6) now cached
    key = score_cache.score_cache_key(ct_id, recipe.pk, "rating")
    assert score_cache.set_if_newer(cache, key, stale[:2], 2 * stale[2] + 1, 60) is False
    assert score_cache.score(Recipe, recipe.pk, "rating") == (2, 6)


def test_a_caller_that_found_no_value_has_the_row_read_without_asking_again(recipe):
    vote(recipe, "a", 4)
    vote(recipe, "b", 2)
    key = score_cache.cache_key_for(Recipe, recipe.pk, "rating")
    cache.set(key, (9, 45))  # a value only the cache has
    assert score_cache.score(Recipe, recipe.pk, "rating") == (9, 45)  # the cache asked
    assert score_cache.score(Recipe, recipe.pk, "rating", cached=score_cache.ABSENT) == (2, 6)


def test_a_worker_dying_between_commit_and_publish_heals_on_the_next_read(
    recipe, django_capture_on_commit_callbacks
):
    vote(recipe, "a", 5)
    score_cache.score(Recipe, recipe.pk, "rating")
    with django_capture_on_commit_callbacks(execute=False):
        vote(recipe, "b", 1)  # committed, but its publish never runs
    assert cached_value(recipe) == score_cache.PENDING
    assert score_cache.score(Recipe, recipe.pk, "rating") == (2, 6)  # from the row
    assert cached_value(recipe) == (2, 6)  # and published by the reader


def test_a_rolled_back_vote_leaves_the_old_score(recipe):
    vote(recipe, "a", 5)
    with pytest.raises(RuntimeError), transaction.atomic():
        vote(recipe, "b", 1)
        raise RuntimeError("the request failed after the vote")
    assert score_cache.score(Recipe, recipe.pk, "rating") == (1, 5)
    vote(recipe, "c", 3)  # the next vote publishes normally
    assert score_cache.score(Recipe, recipe.pk, "rating") == (2, 8)


def score_reads(queries):
    return [q["sql"] for q in queries.captured_queries if "ratings_score" in q["sql"]]


def test_the_page_shows_a_new_vote_at_once_from_the_cache(
    client, recipe, django_capture_on_commit_callbacks
):
    url = recipe.get_absolute_url()
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        vote(recipe, "a", 4)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "1 голос" in html and "4 з 5" in html
    assert score_reads(queries) == []  # the vote put its score in the cache
    with django_capture_on_commit_callbacks(execute=True):
        vote(recipe, "b", 5)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "2 голоси" in html and "4,5 з 5" in html
    assert score_reads(queries) == []


def test_recompute_fix_replaces_a_cached_drifted_score(recipe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vote(recipe, "a", 5)
    Score.objects.update(count=3, total=11)  # drift written behind the services' back
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_ratings", "--fix")
    assert score_cache.score(Recipe, recipe.pk, "rating") == (1, 5)


def test_a_score_the_cache_did_not_take_is_published_before_the_next_read(
    recipe, monkeypatch, django_capture_on_commit_callbacks
):
    vote(recipe, "a", 5)
    assert score_cache.score(Recipe, recipe.pk, "rating") == (1, 5)  # now cached
    key = score_cache.cache_key_for(Recipe, recipe.pk, "rating")
    taking = score_cache.set_if_newer
    monkeypatch.setattr(score_cache, "set_if_newer", lambda *args, **kwargs: None)  # stalled
    with django_capture_on_commit_callbacks(execute=True):
        vote(recipe, "b", 1)
    monkeypatch.setattr(score_cache, "set_if_newer", taking)  # back, with the old value
    assert cache.get(key) == (1, 5)
    # this process remembers what the cache missed: the next read gets the truth
    assert score_cache.score(Recipe, recipe.pk, "rating") == (2, 6)
    assert cache.get(key) == (2, 6)
