"""Read replicas for real: a private primary with two hot standbys, gunicorn in front.

A lagging standby (replay paused) must never put an old page in front of a reader or
into the page cache; a stopped one must cost no request and no vote; writes, votes and
the reader's own vote never read a standby. These start PostgreSQL servers of their
own (as the `postgres` user, on free ports, removed afterwards) and always run in CI.
"""

import json
import logging
import pickle
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser

import pytest
import redis
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from articles.delivery.content_version import STATE_KEY
from newsroom import db_router, replicas
from tests import pgcluster
from tests.conftest import IN_CI, require_redis
from tests.servers import ROOT, Reader, app_servers, free_port, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DATABASE = "newsroom_replicas"
EDITOR_PASSWORD = "replica-editor-password-1"


def manage(cluster, *args, **env):
    """Run a manage.py command against the private cluster, as ops would."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=server_env(**site_env(cluster), **env),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def site_env(cluster, max_lag=30):
    return {
        "DATABASE_URL": cluster.primary.url(DATABASE),
        "DATABASE_REPLICA_URL": ",".join(s.url(DATABASE) for s in cluster.standbys),
        "DATABASE_REPLICA_MAX_LAG": max_lag,
    }


@pytest.fixture(scope="session")
def private_cluster():
    reason = pgcluster.missing()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the replica tests: {reason}")
        pytest.skip(reason)
    cluster = pgcluster.Cluster(standbys=2)
    try:
        cluster.start()
        cluster.create_database(DATABASE)
        cluster.add_standbys()
        # migrated with the replicas configured, as a deploy would be
        manage(cluster, "migrate", "--noinput", "-v", "0")
        manage(
            cluster,
            *("createsuperuser", "--noinput", "--username", "editor"),
            "--email=editor@example.com",
            DJANGO_SUPERUSER_PASSWORD=EDITOR_PASSWORD,
        )
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def cluster(private_cluster):
    """The private cluster with every standby running, replaying and caught up."""
    require_redis()
    private_cluster.wait_caught_up()
    yield private_cluster
    for standby in private_cluster.standbys:
        if not private_cluster.is_running(standby):
            standby.start()
        private_cluster.resume_replay(standby)


_stories = iter(range(1, 10_000))


def import_story(cluster, tmp_path, title, *, slug=None):
    """Import (or update, by slug) one published story through `import_articles`."""
    slug = slug or f"replica-story-{next(_stories)}"
    record = {
        "title": title,
        "slug": slug,
        "body": "Текст новини для перевірки реплік.",
        "section": "Світ",
        "published_at": "2025-01-01T09:00:00+02:00",
    }
    path = tmp_path / f"{slug}-{time.monotonic_ns()}.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n")
    manage(cluster, "import_articles", str(path))
    return slug


def story_id(cluster, slug):
    return cluster.primary.query(
        "SELECT id FROM articles_article WHERE slug = %s", [slug], database=DATABASE
    )[0]


def standby_title(cluster, standby, slug):
    row = standby.query(
        "SELECT title FROM articles_article WHERE slug = %s", [slug], database=DATABASE
    )
    return row[0] if row else None


def reader_pages(slug):
    # a Ukrainian story is on the Ukrainian edition's pages (the English one lists none)
    return [f"/news/{slug}/", "/", "/feed/"]


def stored_pages():
    """(content version, text) of every page in the page cache."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    pages = []
    for key in client.scan_iter(f"{prefix}:*:page:*"):
        raw = client.get(key)
        if raw is None or raw.isdigit():
            continue
        entry = pickle.loads(raw)
        if isinstance(entry, dict) and "content" in entry:
            texts = [entry["content"], entry.get("filled") or b""]
            pages.append((entry["version"], b"".join(texts).decode()))
    return pages


def current_version():
    state = cache.get(STATE_KEY)
    return state["v"] if state else None


def healthz(server):
    response = requests.get(server.url + "/healthz", timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def test_reads_spread_over_the_replicas(cluster, tmp_path):
    slug = import_story(cluster, tmp_path, "Новина для двох реплік")
    cluster.wait_caught_up()
    with app_servers(1, workers=2, **site_env(cluster)) as (server,):
        for n in range(24):
            response = Reader(server.url).get(f"/search/?q=репліка{n}")
            assert response.status_code == 200
        assert Reader(server.url).get(f"/news/{slug}/").status_code == 200
        for standby in cluster.standbys:
            (connected,) = standby.query(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND backend_type = 'client backend'",
                [DATABASE],
            )
            assert connected > 0, f"no reads reached {standby.name}"
        body = healthz(server)
        assert body["status"] == "ok"
        servers = body["checks"]["replicas"]["servers"]
        assert set(servers) == {"replica", "replica_2"}
        assert all(s["state"] == "ok" and s["behind_bytes"] == 0 for s in servers.values())


def test_replay_paused_an_import_edits_a_headline_and_no_reader_gets_the_old_one(cluster, tmp_path):
    old, new = "Стара назва новини про реплики", "Виправлена назва новини про репліки"
    slug = import_story(cluster, tmp_path, old)
    cluster.wait_caught_up()
    with app_servers(2, **site_env(cluster)) as servers:
        for server in servers:  # pages rendered from the replicas and stored
            for path in reader_pages(slug):
                assert old in Reader(server.url).get(path).text
        for standby in cluster.standbys:
            cluster.pause_replay(standby)
        # the correction comes from a command, not through HTTP
        import_story(cluster, tmp_path, new, slug=slug)
        assert {standby_title(cluster, s, slug) for s in cluster.standbys} == {old}

        for _round in range(4):
            for server in servers:
                for path in reader_pages(slug):
                    page = Reader(server.url).get(path)
                    assert page.status_code == 200
                    assert new in page.text and old not in page.text, path
        version = current_version()
        stale = [text for v, text in stored_pages() if v == version and old in text]
        assert stale == []
        replicas = healthz(servers[0])["checks"]["replicas"]
        assert replicas["ok"] is False
        assert {s["state"] for s in replicas["servers"].values()} == {"behind"}
        assert all(s["behind_bytes"] > 0 for s in replicas["servers"].values())

        for standby in cluster.standbys:
            cluster.resume_replay(standby)
        cluster.wait_caught_up()
        for _round in range(4):
            for server in servers:
                for path in reader_pages(slug):
                    page = Reader(server.url).get(path)
                    assert new in page.text and old not in page.text, path
        assert healthz(servers[0])["status"] == "ok"


def test_a_replica_lagging_past_the_bound_serves_no_reads(cluster, tmp_path):
    slug = import_story(cluster, tmp_path, "Новина до прямого запису")
    cluster.wait_caught_up()
    with app_servers(1, **site_env(cluster, max_lag=1)) as (server,):
        assert "Новина до прямого запису" in Reader(server.url).get(f"/news/{slug}/").text
        for standby in cluster.standbys:
            cluster.pause_replay(standby)
        # a write the site did not make (psql, another program): only the lag shows it
        cluster.primary.query(
            "UPDATE articles_article SET title = 'Записано в обхід сайту' WHERE slug = %s",
            [slug],
            database=DATABASE,
        )
        time.sleep(1.5)
        cache.delete(STATE_KEY)  # what the other program would do to show its change
        body = healthz(server)
        assert body["status"] == "degraded"
        for state in body["checks"]["replicas"]["servers"].values():
            assert state["state"] == "lagging" and state["lag_seconds"] > 1
        page = Reader(server.url).get(f"/news/{slug}/")
        assert "Записано в обхід сайту" in page.text


class Story:
    """A story of the private cluster, for Reader.vote."""

    def __init__(self, cluster, slug):
        self.pk = story_id(cluster, slug)
        self.slug = slug

    def get_absolute_url(self):
        return f"/news/{self.slug}/"


def vote_url(cluster, slug, action="vote"):
    return f"/ratings/articles.article/{story_id(cluster, slug)}/rating/{action}/"


def test_standbys_stopped_mid_run_every_page_answers_and_a_vote_counts(cluster, tmp_path):
    slug = import_story(cluster, tmp_path, "Новина, коли репліки впали")
    cluster.wait_caught_up()
    with app_servers(2, **site_env(cluster)) as servers:
        statuses = []
        stop = threading.Event()

        def read(server):
            n = 0
            while not stop.is_set():
                n += 1
                for path in [*reader_pages(slug), f"/search/?q=впали{n}", "/top/"]:
                    statuses.append((path, Reader(server.url).get(path).status_code))

        readers = [threading.Thread(target=read, args=(server,)) for server in servers]
        for thread in readers:
            thread.start()
        try:
            for standby in cluster.standbys:  # one, then the other, while readers read
                time.sleep(1)
                standby.stop()
            time.sleep(1)
            voter = Reader(servers[0].url)
            response = voter.vote(Story(cluster, slug), 4)
            assert response.status_code == 200, response.text
            assert response.json() == {"average": 4.0, "count": 1, "your_score": 4}
            time.sleep(1)
        finally:
            stop.set()
            for thread in readers:
                thread.join()
        failures = sorted({(path, status) for path, status in statuses if status != 200})
        assert len(statuses) > 20 and failures == []
        for server in servers:
            page = Reader(server.url).get(f"/news/{slug}/").text
            assert "1 голос" in page and "4 з 5" in page
        mine = voter.get(vote_url(cluster, slug, "mine")).json()
        assert mine["your_score"] == 4
        body = healthz(servers[1])
        assert body["status"] == "degraded"
        assert {s["state"] for s in body["checks"]["replicas"]["servers"].values()} == {"down"}

        for standby in cluster.standbys:
            standby.start()
        deadline = time.monotonic() + 30
        while healthz(servers[1])["status"] != "ok":
            assert time.monotonic() < deadline, "replicas not back in use"
            time.sleep(0.5)


def test_a_vote_during_lag_counts_and_shows_to_the_next_reader(cluster, tmp_path):
    slug = import_story(cluster, tmp_path, "Новина, за яку голосують під час відставання")
    cluster.wait_caught_up()
    with app_servers(2, **site_env(cluster)) as (first, second):
        assert "Ще немає оцінок" in Reader(second.url).get(f"/news/{slug}/").text
        for standby in cluster.standbys:
            cluster.pause_replay(standby)
        voter = Reader(first.url)
        response = voter.vote(Story(cluster, slug), 5)
        assert response.json() == {"average": 5.0, "count": 1, "your_score": 5}
        (on_standby,) = cluster.standbys[0].query(
            "SELECT count(*) FROM ratings_vote WHERE object_id = %s",
            [story_id(cluster, slug)],
            database=DATABASE,
        )
        assert on_standby == 0  # the standby has not seen the vote
        for server in (first, second):
            page = Reader(server.url).get(f"/news/{slug}/").text
            assert "1 голос" in page and "5 з 5" in page
        # the voter's own score comes from the primary, on the next page and later
        assert voter.get(vote_url(cluster, slug, "mine")).json()["your_score"] == 5
        time.sleep(db_router.PIN_SECONDS + 1)  # past the read-your-writes cookie
        assert voter.get(vote_url(cluster, slug, "mine")).json()["your_score"] == 5


class FormFields(HTMLParser):
    """The fields of one form in a page, as a browser would submit them unchanged."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("file", "submit", "button", "image", "reset"):
                self.fields.append(
                    [
                        attrs["name"],
                        attrs.get("value", "on" if kind in ("checkbox", "radio") else ""),
                    ]
                )
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append([self._select, attrs.get("value", "")])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def test_an_editors_save_shows_at_once_and_keeps_them_on_the_primary(cluster, tmp_path):
    old, new = "Заголовок до правки редактора", "Заголовок після правки редактора"
    slug = import_story(cluster, tmp_path, old)
    cluster.wait_caught_up()
    with app_servers(1, **site_env(cluster)) as (server,):
        editor = Reader(server.url)
        login = editor.get("/admin/login/")
        token = login.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        signed_in = editor.session.post(
            server.url + "/admin/login/?next=/admin/",
            data={
                "username": "editor",
                "password": EDITOR_PASSWORD,
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            },
            headers={"Referer": server.url + "/admin/login/"},
            timeout=30,
        )
        assert signed_in.url.endswith("/admin/"), signed_in.text[:500]
        change = f"/admin/articles/article/{story_id(cluster, slug)}/change/"
        form = FormFields("article_form")
        form.feed(editor.get(change).text)
        data = [(name, new if name == "title" else value) for name, value in form.fields]
        assert ("title", new) in data

        for standby in cluster.standbys:
            cluster.pause_replay(standby)
        saved = editor.session.post(
            server.url + change,
            data=[*data, ("_save", "Save")],
            headers={"Referer": server.url + change},
            allow_redirects=False,
            timeout=30,
        )
        assert saved.status_code == 302, saved.text[:2000]
        pin = saved.cookies.get(db_router.PIN_COOKIE)
        assert db_router.pin_is_valid(pin)
        assert f"Max-Age={db_router.PIN_SECONDS}" in saved.headers["Set-Cookie"]
        assert {standby_title(cluster, s, slug) for s in cluster.standbys} == {old}
        # the editor sees their change at once, and so does every other reader
        assert new in editor.get(f"/news/{slug}/").text
        assert new in editor.get(saved.headers["Location"]).text
        for _round in range(3):
            page = Reader(server.url).get(f"/news/{slug}/").text
            assert new in page and old not in page


# In-process: the breaker and the health report with a replica that refuses connections.


@pytest.fixture
def unreachable_replica(postgres, settings):
    """The test database's "replica" alias, pointed at a port where nothing listens."""
    settings.DATABASE_REPLICAS = ["replica"]
    replica = connections["replica"]
    replica.close()
    saved = replica.settings_dict  # a test mirror shares the primary's: replaced, not changed
    replica.settings_dict = {**saved, "HOST": "127.0.0.1", "PORT": str(free_port())}
    replicas.forget()
    routing = db_router._routing.set(None)  # as in a fresh process: no write has pinned it
    yield replica
    db_router._routing.reset(routing)
    replica.close()
    replica.settings_dict = saved
    replicas.forget()


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_an_unreachable_replica_trips_the_breaker_once_and_reads_go_to_the_primary(
    unreachable_replica, caplog
):
    router = db_router.PrimaryReplicaRouter()
    with caplog.at_level(logging.WARNING, logger="newsroom.faults"):
        assert router.db_for_read(None) == "default"
        started = time.monotonic()
        for _ in range(20):
            assert router.db_for_read(None) == "default"
        assert time.monotonic() - started < 0.5  # nobody waits on the dead host again
        replicas.state("replica").down_until = 0  # the breaker's time is up: tried again
        assert router.db_for_read(None) == "default"
    tripped = [r for r in caplog.records if "replica replica unavailable" in r.getMessage()]
    assert len(tripped) == 1
    state = replicas.report()["replica"]
    assert state["state"] == "down" and state["error"] == "OperationalError"
    assert 0 < state["retry_in"] <= replicas.BREAKER_SECONDS


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_healthz_reports_a_dead_replica_as_degraded_with_200(unreachable_replica, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["replicas"]["servers"]["replica"]["state"] == "down"


def test_the_end_of_wal_drops_a_page_header_the_next_record_would_start_after():
    segment, block = 16 * 1024 * 1024, 8192
    assert replicas.end_of_wal(3 * segment + 40, block, segment) == 3 * segment
    assert replicas.end_of_wal(3 * segment + 5 * block + 24, block, segment) == (
        3 * segment + 5 * block
    )
    assert replicas.end_of_wal(3 * segment + 5 * block + 40, block, segment) == (
        3 * segment + 5 * block + 40
    )
    assert replicas.end_of_wal(3 * segment + 1000, block, segment) == 3 * segment + 1000
