"""Start real gunicorn app servers (and a private Redis) against the test database."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(process, check, timeout=30, pause=0.2):
    """True once `check()` runs without an OSError (requests' errors are OSErrors too),
    False after `timeout` seconds; the process's output as the error if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stdout.read().decode())
        try:
            check()
            return True
        except OSError:
            time.sleep(pause)
    return False


def database_url():
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


_static_root = None


def collected_static():
    """collectstatic once per test session into a temporary folder, as a deploy would."""
    global _static_root
    if _static_root is None:
        import tempfile

        _static_root = tempfile.mkdtemp(prefix="newsroom-static-")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(
            DEBUG="0",
            SECRET_KEY=settings.SECRET_KEY,
            STATIC_ROOT=_static_root,
            DATABASE_URL="sqlite:///:memory:",
        )
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return _static_root


TEST_ONLY = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def server_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env.update(
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CACHE_KEY_PREFIX=settings.CACHES["default"].get("KEY_PREFIX", ""),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        RATINGS_VOTES_PER_ADDRESS="0",
        LOG_LEVEL="WARNING",
        SERVE_MEDIA="0",
        STATIC_ROOT=collected_static(),
    )
    env.pop("DATABASE_REPLICA_URL", None)
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class AppServer:
    def __init__(self, workers=2, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "newsroom.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=server_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if not wait_until_up(
            self.process,
            lambda: requests.get(self.url + "/robots.txt", timeout=1, allow_redirects=False),
        ):
            self.stop()
            raise RuntimeError("gunicorn did not start")

    def worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


@contextmanager
def app_servers(count=2, **env):
    servers = []
    try:
        for _ in range(count):
            servers.append(AppServer(**env))
        yield servers
    finally:
        for server in servers:
            server.stop()


class PrivateRedis:
    """A throwaway redis-server on its own port, so a test may stop it."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Reader:
    """One browser-like reader: its own cookies, and the headers a browser sends on a form."""

    def __init__(self, base_url):
        self.base = base_url
        self.session = requests.Session()

    def get(self, path, **kwargs):
        return self.session.get(self.base + path, timeout=30, **kwargs)

    def vote(self, article, score, path=None, timeout=30):
        """Read the story page and vote from it, as the page's form does."""
        self.get(path or article.get_absolute_url())
        return self.post_vote(article, score, timeout=timeout)

    def post_vote(self, article, score, timeout=30):
        return self.session.post(
            f"{self.base}/ratings/articles.article/{article.pk}/rating/vote/",
            data={"score": str(score)},
            headers={
                "Accept": "application/json",
                "Origin": self.base,
                "Sec-Fetch-Site": "same-origin",
            },
            timeout=timeout,
        )
