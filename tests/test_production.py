"""Production shape: settings, deploy checks, health, the replica router, logs."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, transaction
from django.test import override_settings

from newsroom import db_router
from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "news.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_COOKIES": "1",
}


TEST_ONLY = {
    "LOG_FORMAT",
    "CACHE_KEY_PREFIX",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def clean_env(**extra):
    """The environment without anything the test settings set."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in TEST_ONLY}
    env.update(extra)
    return env


def manage(*args, env=None):
    clean = clean_env(**(env or {}))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_wsgi(env):
    """Load the WSGI application the way gunicorn does, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-c", "import newsroom.wsgi"],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_on_the_development_key_with_debug_off():
    env = {**PRODUCTION_ENV}
    env.pop("SECRET_KEY")
    # the WSGI application (gunicorn, runserver) will not load
    served = load_wsgi(env)
    assert served.returncode != 0
    assert "SECRET_KEY is the development key" in served.stderr
    # and the deploy check says why
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0 and "newsroom.E001" in result.stderr
    # offline commands still work, e.g. checking migrations
    assert manage("makemigrations", "--check", "--dry-run", env=env).returncode == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ARTICLES_RELATED_CANDIDATES", -5, "ARTICLES_RELATED_CANDIDATES is -5"),
        ("ARTICLES_RELATED_MAX_AGE_DAYS", 10**9, "ARTICLES_RELATED_MAX_AGE_DAYS is 1000000000"),
        ("ARTICLES_TEASER_LENGTH", 0, "ARTICLES_TEASER_LENGTH is 0"),
        ("RATINGS_TRUSTED_PROXIES", ["10.0.0.0/8", "proxy.local"], "'proxy.local' is not"),
        ("EDGE_PURGE_URLS", ["varnish:6081"], "'varnish:6081' is not an http"),
        ("EDGE_CACHE_BACKEND", "edge_cache.backends.nowhere.Backend", "cannot be imported"),
    ],
)
def test_impossible_settings_are_reported_by_the_system_check(name, value, message):
    from django.core.checks import run_checks

    ids = ("articles.E001", "ratings.E001", "ratings.E002", "edge_cache.E001", "edge_cache.E002")
    with override_settings(**{name: value}):
        errors = [e for e in run_checks() if e.id in ids]
    assert len(errors) == 1 and message in errors[0].msg
    assert not [e for e in run_checks() if e.id in ids]  # the defaults pass


def test_refuses_to_start_with_an_impossible_setting():
    served = load_wsgi({**PRODUCTION_ENV, "ARTICLES_RELATED_CANDIDATES": "-1"})
    assert served.returncode != 0
    assert "ARTICLES_RELATED_CANDIDATES is -1; it must be from 1 to 100000." in served.stderr


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "cache": {"ok": True}},
    }


@pytest.mark.django_db
def test_healthz_answers_200_degraded_when_only_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 200  # pages and votes still work: keep the node in service
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["cache"]["ok"] is False


@pytest.mark.django_db
def test_healthz_says_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.base import base

    def broken(self, *args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(base.BaseDatabaseWrapper, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert "connect" not in json.dumps(body)  # no details that could leak internals


@pytest.mark.django_db
def test_pages_answer_503_with_a_friendly_page_when_the_database_is_down(client, monkeypatch):
    from django.db.models.sql import compiler

    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(compiler.SQLCompiler, "execute_sql", broken)
    response = client.get("/news/anything/")
    assert response.status_code == 503
    assert "Сайт тимчасово недоступний" in response.content.decode()
    assert response["Retry-After"] == "30"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_router_sends_reads_to_the_replica_and_writes_to_the_primary(settings):
    settings.DATABASE_REPLICAS = ["replica"]
    router = db_router.PrimaryReplicaRouter()
    token = db_router._routing.set(db_router.Routing())
    try:
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
        # after a write in this request, reads go to the primary: read-your-writes
        assert router.db_for_read(None) == "default"
        assert router.allow_migrate("replica", "articles") is False
        db_router._routing.set(db_router.Routing())
        with transaction.atomic():
            assert router.db_for_read(None) == "default"  # a transaction reads what it sees
    finally:
        db_router._routing.reset(token)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_reader_who_voted_reads_their_vote_from_the_primary(client, monkeypatch):
    reads = []
    original = db_router.PrimaryReplicaRouter.db_for_read

    def spy(self, model, **hints):
        reads.append(original(self, model, **hints))
        return reads[-1]

    monkeypatch.setattr(db_router.PrimaryReplicaRouter, "db_for_read", spy)
    with override_settings(
        DATABASE_ROUTERS=["newsroom.db_router.PrimaryReplicaRouter"], DATABASE_REPLICAS=["replica"]
    ):
        from django.db import router

        router.routers  # noqa: B018 - rebuilt for the overridden setting
        article = ArticleFactory()
        client.get("/healthz")
        reads.clear()
        client.get(article.get_absolute_url())
        assert reads and set(reads) == {"replica"}  # a plain reader reads the replica
        reads.clear()
        response = client.post(
            f"/ratings/articles.article/{article.pk}/rating/vote/", {"score": "5"}
        )
        assert response.status_code == 303
        assert set(reads) == {"default"}  # the vote itself never reads a replica
        assert response.cookies[db_router.PIN_COOKIE]["max-age"] == db_router.PIN_SECONDS
        reads.clear()
        page = client.get(response["Location"]).content.decode()
        assert set(reads) == {"default"}  # the voter reads the primary next time
        assert "1 голос" in page


def test_pin_is_reset_between_requests():
    db_router._routing.set(None)  # as in a fresh process (a write outside a request pins)
    seen = []

    def view(request):
        seen.append(db_router.is_pinned())
        from django.http import HttpResponse

        return HttpResponse()

    middleware = db_router.PinPrimaryMiddleware(view)
    from django.test import RequestFactory

    factory = RequestFactory()
    middleware(factory.get("/"))
    request = factory.get("/")
    request.COOKIES[db_router.PIN_COOKIE] = db_router.pin_value()
    middleware(request)
    middleware(factory.post("/"))  # a write request reads the primary from the start
    for made_up in ("1", db_router.pin_value(time.time() - 60), "9999999999:forged"):
        request = factory.get("/")
        request.COOKIES[db_router.PIN_COOKIE] = made_up
        middleware(request)
    assert seen == [False, True, True, False, False, False]
    assert db_router.current() is None


def test_logs_are_one_json_object_per_line_in_production():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('newsroom.request').info('request', "
        "extra={'request_id': 'abc', 'status': 200, 'duration_ms': 1.5})"
    )
    env = clean_env(**PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="newsroom.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = [json.loads(line) for line in result.stderr.strip().splitlines()]
    record = lines[-1]
    assert record["request_id"] == "abc" and record["status"] == 200
    assert record["level"] == "INFO"


@pytest.mark.django_db
def test_each_response_carries_a_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="newsroom.request"):
        response = client.get("/robots.txt")
    assert len(response["X-Request-ID"]) == 32
    record = [r for r in caplog.records if r.name == "newsroom.request"][-1]
    assert record.status == 200 and record.request_id == response["X-Request-ID"]


def test_security_headers_in_production(client, settings, db):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert response["X-Frame-Options"] == "DENY"


def test_head_answers_the_headers_of_get_without_a_body(article):
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = WSGIHandler()  # the server's view of the app: the test client strips HEAD

    def call(method):
        started = {}
        environ = getattr(RequestFactory(), method)(article.get_absolute_url()).environ
        body = b"".join(handler(environ, lambda status, headers: started.update(headers)))
        return started, body

    head_headers, head_body = call("head")
    get_headers, get_body = call("get")
    assert head_body == b""
    assert get_body and int(head_headers["Content-Length"]) == len(get_body)
    assert head_headers["Content-Type"] == get_headers["Content-Type"]


@pytest.mark.django_db
def test_healthz_answers_a_probe_that_names_its_backend_by_address_over_plain_http(
    client, settings, caplog
):
    """Varnish's probe and load balancers send `Host: <backend address>` and no
    X-Forwarded-Proto: the health check must not answer 400 or redirect them to HTTPS."""
    settings.ALLOWED_HOSTS = ["news.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    caplog.set_level("INFO", logger="newsroom.request")
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert not [r for r in caplog.records if r.name == "newsroom.request"]  # not logged
    # every other address still checks the Host and redirects
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/", HTTP_HOST="news.example.com").status_code == 301
