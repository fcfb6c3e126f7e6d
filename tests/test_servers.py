"""Several real app servers against one PostgreSQL and one Redis: shared state, load, faults.

These start gunicorn processes; they run on PostgreSQL with Redis (always in CI).
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.core.management import call_command

from articles.models import Article
from ratings.models import Score, Vote
from ratings.services import recompute
from tests.conftest import require_postgres, require_redis
from tests.factories import ArticleFactory
from tests.servers import PrivateRedis, Reader, app_servers

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def services():
    require_postgres()
    require_redis()


def score_of(article):
    score = Score.objects.get(object_id=article.pk)
    return score.count, score.total


def test_a_vote_through_one_server_is_seen_through_the_other(services):
    article = ArticleFactory(title="Спільна новина")
    with app_servers(2) as (first, second):
        before = Reader(second.url).get(article.get_absolute_url()).text
        assert "Ще немає оцінок" in before
        response = Reader(first.url).vote(article, 4)
        assert response.json() == {"average": 4.0, "count": 1, "your_score": 4}
        after = Reader(second.url).get(article.get_absolute_url()).text
        assert "4 з 5" in after and "1 голос" in after


def test_cache_invalidated_by_one_server_is_gone_for_the_other(services):
    article = ArticleFactory(title="Перший заголовок")
    with app_servers(2) as (first, second):
        assert "Перший заголовок" in Reader(second.url).get("/").text  # cached in Redis
        assert "Перший заголовок" in Reader(first.url).get("/").text
        # an edit made by one process (here the test, like an editor on server A)
        article.title = "Другий заголовок"
        article.save()
        for server in (first, second):
            home = Reader(server.url).get("/").text
            assert "Другий заголовок" in home and "Перший заголовок" not in home


def test_two_hundred_concurrent_voters_through_two_servers(services):
    article = ArticleFactory()
    voters = 200
    with app_servers(2, workers=3) as servers:
        readers = [Reader(servers[n % 2].url) for n in range(voters)]
        start = threading.Barrier(voters, timeout=120)

        def cast(n):
            reader = readers[n]
            reader.get(article.get_absolute_url())
            start.wait()
            return reader.post_vote(article, 1 + n % 5, timeout=60).status_code

        with ThreadPoolExecutor(max_workers=voters) as pool:
            statuses = list(pool.map(cast, range(voters)))
    assert statuses.count(200) == voters, sorted(set(statuses))
    expected_total = sum(1 + n % 5 for n in range(voters))
    assert score_of(article) == (voters, expected_total)
    assert Vote.objects.filter(object_id=article.pk).count() == voters
    assert recompute() == []
    call_command("recompute_ratings")  # exits cleanly: no drift


def test_redis_stopped_mid_run_pages_render_and_votes_count(services):
    article = ArticleFactory(title="Новина без кешу")
    redis = PrivateRedis()
    try:
        with app_servers(1, REDIS_URL=redis.url) as (server,):
            assert Reader(server.url).vote(article, 5).status_code == 200
            redis.stop()
            for _ in range(3):
                page = Reader(server.url).get(article.get_absolute_url())
                assert page.status_code == 200 and "Новина без кешу" in page.text
            response = Reader(server.url).vote(article, 3)
            assert response.status_code == 200
            assert response.json()["count"] == 2
            health = requests.get(server.url + "/healthz", timeout=10)
            assert health.status_code == 200  # degraded, still in service
            assert health.json()["status"] == "degraded"
            assert health.json()["checks"]["cache"]["ok"] is False
            assert health.json()["checks"]["database"]["ok"] is True
    finally:
        redis.stop()
    assert score_of(article) == (2, 8)


def test_database_unreachable_gives_503_and_healthz_says_why(services):
    with app_servers(1, DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere") as (server,):
        page = requests.get(server.url + "/", timeout=20)
        assert page.status_code == 503
        assert "Сайт тимчасово недоступний" in page.text
        health = requests.get(server.url + "/healthz", timeout=20)
        assert health.status_code == 503
        assert health.json()["checks"]["database"]["ok"] is False
        vote = requests.post(server.url + "/ratings/articles.article/1/rating/vote/", timeout=20)
        assert vote.status_code in (403, 503)  # CSRF first, or the database; never a 500


def test_worker_killed_mid_vote_leaves_no_half_vote(services):
    import os
    import signal

    article = ArticleFactory()
    with app_servers(1, workers=2) as (server,):
        readers = [Reader(server.url) for _ in range(60)]
        for reader in readers:
            reader.get(article.get_absolute_url())
        stop = time.monotonic() + 20
        first_answered = threading.Event()

        def cast(n):
            try:
                timeout = max(1, stop - time.monotonic())
                return readers[n].post_vote(article, 4, timeout=timeout).status_code
            except requests.RequestException:
                return None  # the connection died with the worker
            finally:
                first_answered.set()

        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = [pool.submit(cast, n) for n in range(60)]
            # once votes are being answered, with dozens still queued or in flight
            assert first_answered.wait(timeout=30)
            for pid in server.worker_pids()[:1]:
                os.kill(pid, signal.SIGKILL)
            statuses = [f.result() for f in futures]
    assert 500 not in statuses
    count, total = score_of(article)
    votes = Vote.objects.filter(object_id=article.pk).count()
    assert count == votes and total == 4 * votes  # every recorded vote is whole
    assert recompute() == []
    assert Article.objects.filter(pk=article.pk).exists()
