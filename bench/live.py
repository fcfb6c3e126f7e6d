#!/usr/bin/env python
"""Benchmark of live pages: what readers following one through Varnish cost, and how soon
they see an entry.

Seeds a database of its own (a few demo stories and a live page of 2,000 entries), starts
a Redis of its own, two app servers as in production (newsroom/gunicorn.conf.py) behind
Varnish with the shipped VCL (both purging it), and a bare `django-admin startproject`
view (the floor). Then, side by side in one run:

1. 2,000 simulated readers poll the live page's fragment through Varnish every 8 s, each
   from the revision it last saw, while an editor posts an entry every few seconds (through
   live.services, as the desk does): for every entry, how long after "Опублікувати"
   returned each reader had it (p50, p95, max), and the requests that reached the app
   servers per second (Varnish's backend requests).
2. The warm live page with 2,000 entries, a plain story page and the floor, straight from
   one app server with wrk: req/s and the app's CPU per request, the share of the floor.
3. The fragment's cost by the number of new entries in it (0, 1, 10, 50), at the app server.

    make bench-live
    .venv/bin/python bench/live.py --readers 2000 --duration 60
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    PY,
    env_for,
    gunicorn,
    psql,
    run,
    server_cpu,
    start_floor,
    start_redis,
    stop,
    wrk,
)
from tests.edge import Varnish  # noqa: E402
from tests.servers import free_port  # noqa: E402

DB = "newsroom_bench_live"
ENTRIES = 2000
POLL_SECONDS = 8  # as static/js/live.js
SLUG = "bench-onlain"

SEED = """
from datetime import timedelta
from django.utils import timezone
from articles import services
from articles.models import Article, Section
from live.importing import EntrySpec, LiveSpec, write_live

now = timezone.now()
section = Section.objects.first()
story = Article(slug="%(slug)s", title="Бенчмарк: онлайн", body="<p>Стежимо.</p>",
                section=section, status="published", published_at=now - timedelta(days=1))
services.save_story(article=story)
entries = [
    EntrySpec(now - timedelta(seconds=40 * n), "<p>Запис номер %%d. Текст запису про події "
              "дня, кілька речень, як пишуть у трансляціях.</p>" %% n,
              headline="Ключова подія %%d" %% n if n %% 100 == 0 else "",
              key_event=n %% 100 == 0, author="Олена Коваленко")
    for n in range(%(entries)d)
]
write_live(article=story, spec=LiveSpec(started_at=story.published_at, entries=entries))
print("READY", story.pk, Article.objects.exclude(pk=story.pk).published().first().slug)
"""


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def seed(env):
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    run([PY, "manage.py", "migrate", "-v", "0"], env)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    run([PY, "manage.py", "seed_demo", "--articles", "30", "--no-editor", "-v", "0"], env)
    out = run(
        [PY, "manage.py", "shell", "-c", SEED % {"slug": SLUG, "entries": ENTRIES}],
        env,
        capture_output=True,
    ).stdout
    story_id, plain = out.split("READY", 1)[1].split()
    return int(story_id), plain


def backend_requests(varnish):
    out = subprocess.run(
        ["varnishstat", "-n", str(varnish.workdir / "n"), "-1", "-f", "MAIN.backend_req"],
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[1]) if len(out) > 1 else 0


async def http_get(port, path):
    """(status, body) of one GET through Varnish, as a browser's fetch (no cookies)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        "X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n".encode()
    )
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    if any(line.lower() == "transfer-encoding: chunked" for line in lines):
        body = dechunk(body)
    return status, body


def dechunk(body):
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if length == 0:
            break
        out, body = out + rest[:length], rest[length + 2 :]
    return out


class Pollers:
    """`count` readers polling the fragment every POLL_SECONDS, each from its revision."""

    def __init__(self, port, story_id, revision, count):
        self.port, self.story_id, self.count = port, story_id, count
        self.revisions = [revision] * count
        self.seen = {}  # entry id: [monotonic times readers first had it]
        self.requests = self.errors = 0
        self.lags = []  # how late each poll started, by this process's own load
        self.running = True

    async def reader(self, n):
        await asyncio.sleep(random.uniform(0, POLL_SECONDS))  # readers arrive at random
        planned = time.monotonic()
        while self.running:
            started = time.monotonic()
            self.lags.append(started - planned)
            try:
                status, body = await http_get(
                    self.port, f"/live/{self.story_id}/since/{self.revisions[n]}/"
                )
                self.requests += 1
                if status == 200:
                    data = json.loads(body)
                    for entry in data["entries"]:
                        self.seen.setdefault(entry["id"], []).append(time.monotonic())
                    self.revisions[n] = data["revision"]
                else:
                    self.errors += 1
            except (OSError, ValueError):
                self.errors += 1
            planned = started + POLL_SECONDS
            await asyncio.sleep(max(0, planned - time.monotonic()))

    async def run(self, seconds, post_every, post):
        tasks = [asyncio.create_task(self.reader(n)) for n in range(self.count)]
        await asyncio.sleep(POLL_SECONDS)  # every reader polling
        posted = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            entry_id, returned = await asyncio.to_thread(post)
            posted[entry_id] = returned
            await asyncio.sleep(post_every)
        await asyncio.sleep(POLL_SECONDS + 2)  # the last entry reaches everyone
        self.running = False
        await asyncio.gather(*tasks)
        return posted


def poll_through_varnish(varnish, story_id, args):
    """Part 1: readers polling through Varnish while entries are posted."""
    import django

    django.setup()
    from django.contrib.auth.models import User

    from live import services
    from live.models import LiveCoverage

    coverage = LiveCoverage.objects.get(article_id=story_id)
    editor = User.objects.create_superuser("bench-editor", password=None)

    def post():
        entry = services.post_entry(
            coverage=coverage, user=editor, body=f"Новий запис о {time.strftime('%H:%M:%S')}."
        )
        return entry.pk, time.monotonic()  # committed and purged: "Опублікувати" returned

    pollers = Pollers(varnish.port, story_id, coverage.revision, args.readers)
    before, started = backend_requests(varnish), time.monotonic()
    posted = asyncio.run(pollers.run(args.duration, args.post_every, post))
    elapsed = time.monotonic() - started
    app_requests = backend_requests(varnish) - before
    delays = [
        seen - posted[entry]
        for entry, times in pollers.seen.items()
        if entry in posted
        for seen in times
    ]
    complete = sum(len(pollers.seen.get(entry, ())) == args.readers for entry in posted)
    return {
        "readers": args.readers,
        "entries_posted": len(posted),
        "entries_seen_by_every_reader": complete,
        "reader_requests_per_s": pollers.requests / elapsed,
        "errors": pollers.errors,
        "app_requests_per_s": app_requests / elapsed,
        "visible_p50_s": percentile(delays, 0.5),
        "visible_p95_s": percentile(delays, 0.95),
        "visible_max_s": max(delays) if delays else None,
        "poll_start_lag_p95_s": percentile(pollers.lags, 0.95),
    }


def app_costs(base, floor_url, app, floor, paths, args):
    """Parts 2 and 3: req/s and app CPU per request straight from one app server."""
    rows = []
    for name, url, server in [
        ("bare Django", floor_url, floor),
        *((name, base + path, app) for name, path in paths),
        ("bare Django", floor_url, floor),
    ]:
        wrk(url, args.connections, 1)  # warm
        cpu = server_cpu(server)
        row = wrk(url, args.connections, args.wrk_seconds)
        row.update(page=name, cpu_us=(server_cpu(server) - cpu) / max(row["requests"], 1) * 1e6)
        print(
            f"{name:>40} {row['rps']:8.0f} req/s  app CPU {row['cpu_us']:7.0f} us  "
            f"p99 {row['p99']:7.2f} ms{'  non-2xx ' + str(row['errors']) if row['errors'] else ''}",
            flush=True,
        )
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=60, help="seconds of posting")
    parser.add_argument("--post-every", type=float, default=5.0, help="seconds between entries")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="newsroom-bench-live-")
    redis_port, ports = free_port(), [free_port(), free_port()]
    running = [start_redis(redis_port)]
    env = env_for(DB, tmp + "/static")
    varnish_port = free_port()
    env.update(
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        GUNICORN_WORKERS=str(args.workers),
        LOG_LEVEL="WARNING",
    )
    try:
        story_id, plain = seed(env)  # before Varnish is there to purge
        env["EDGE_PURGE_URLS"] = f"http://127.0.0.1:{varnish_port}/"
        os.environ.update(env)
        config = ROOT / "newsroom" / "gunicorn.conf.py"
        apps = [
            gunicorn("newsroom.wsgi:application", env, args.workers, p, config=config)
            for p in ports
        ]
        running += apps
        floor_port = free_port()
        floor = start_floor(tmp, args.workers, floor_port)
        running.append(floor)
        varnish = Varnish(ports, port=varnish_port)
        running.append(varnish)
        base = f"http://127.0.0.1:{ports[0]}"

        print("\n== 1. readers polling through Varnish ==", flush=True)
        polling = poll_through_varnish(varnish, story_id, args)
        for key, value in polling.items():
            print(f"{key:>32}: {value:.2f}" if isinstance(value, float) else f"{key:>32}: {value}")

        print("\n== 2. warm pages from an app server, 3. the fragment ==", flush=True)
        from live.models import LiveCoverage

        revision = LiveCoverage.objects.get(article_id=story_id).revision
        # the fragment by new entries: the last entries were posted one revision each
        paths = [
            (f"live page, {ENTRIES:,}+ entries", f"/news/{SLUG}/"),
            ("story page", f"/news/{plain}/"),
            *(
                (f"fragment, {n} new", f"/live/{story_id}/since/{revision - n}/")
                for n in (0, 1, 10)
                if revision - n >= 0
            ),
        ]
        rows = app_costs(base, f"http://127.0.0.1:{floor_port}/hello/", apps[0], floor, paths, args)
    finally:
        for process in reversed(running):
            process.stop() if isinstance(process, Varnish) else stop(process)
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"polling": polling, "pages": rows}, indent=2))


if __name__ == "__main__":
    main()
