#!/usr/bin/env python
"""Benchmark: story, home, section pages and the vote endpoint against the framework's floor.

Seeds N stories into a PostgreSQL database of its own, starts gunicorn as in production
(collectstatic, DEBUG off, Redis cache), and load-tests from a second process with wrk
at several concurrency levels. Prints requests per second, p50 and p99 latency, each
page's throughput as a share of a bare Django view (the floor), the query count of each
page cold and warm, and the PostgreSQL plans of the hot list queries.

    make bench                                   # 10,000 and 100,000 stories
    make bench BENCH_ARGS="--stories 10000 --duration 5"
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
VOTE_LUA = """
wrk.method = "POST"
wrk.body = "score=4&csrfmiddlewaretoken=%s"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = "csrftoken=%s"
wrk.headers["Referer"] = "%s"
"""


def redis_clear():
    """Empty the benchmark's Redis database (a cold cache)."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def env_for(db_name, static_root):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET,
        DATABASE_URL=f"{PG}/{db_name}",
        REDIS_URL=REDIS,
        CACHE_KEY_PREFIX=f"bench-{db_name}",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        RATINGS_VOTES_PER_ADDRESS="0",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=static_root,
        BENCH_FLOOR="1",
    )
    return env


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, text=True, **kwargs)


def psql(sql):
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True)


def prepare(stories, env):
    db = env["DATABASE_URL"].rsplit("/", 1)[1]
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(f"CREATE DATABASE {db}")
    run([PY, "manage.py", "migrate", "-v", "0"], env)
    started = time.monotonic()
    run([PY, "manage.py", "seed_demo", "--articles", str(stories), "--no-editor", "-v", "0"], env)
    seeded = time.monotonic() - started
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    run(["psql", env["DATABASE_URL"], "-q", "-c", "VACUUM ANALYZE"], env)
    return seeded


INSPECT = r"""
import json, django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from articles.models import Article, Section

story = Article.objects.published().order_by("-published_at")[25]
section = Section.objects.first()
paths = {"home": "/", "story": story.get_absolute_url(),
         "section": section.get_absolute_url(), "top rated": "/top/"}
client = Client()
out = {"paths": paths, "vote": f"/ratings/articles.article/{story.pk}/rating/vote/",
       "queries": {}}
for name, path in paths.items():
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    out["queries"][name] = [len(cold), len(warm)]
client.get(story.get_absolute_url())
token = client.cookies["csrftoken"].value
with CaptureQueriesContext(connection) as vote:
    r = client.post(out["vote"], {"score": "4", "csrfmiddlewaretoken": token},
                    HTTP_ACCEPT="application/json")
    assert r.status_code == 200, r.content
out["queries"]["vote"] = [len(vote), len(vote)]
plans = {}
with connection.cursor() as cursor:
    for label, sql in {
        "home list": "SELECT id FROM articles_article WHERE status='published' AND published_at <= now() ORDER BY published_at DESC, id DESC LIMIT 12 OFFSET 6000",
        "section list": f"SELECT id FROM articles_article WHERE section_id={section.pk} AND status='published' AND published_at <= now() ORDER BY published_at DESC, id DESC LIMIT 12",
        "story by slug": f"SELECT id FROM articles_article WHERE slug='{story.slug}'",
    }.items():
        cursor.execute("EXPLAIN " + sql)
        plans[label] = [row[0] for row in cursor.fetchall()]
out["plans"] = plans
print("JSON" + json.dumps(out))
"""


def inspect(env):
    result = run([PY, "-c", INSPECT], env, capture_output=True)
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("JSON")][-1]
    return json.loads(line[4:])


def start_server(env, workers, port):
    process = subprocess.Popen(
        [
            GUNICORN,
            "newsroom.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def wrk(url, connections, duration, script=None):
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(pct):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def bench(stories, args, results):
    tmp = tempfile.mkdtemp(prefix="newsroom-bench-")
    env = env_for(f"newsroom_bench_{stories}", tmp + "/static")
    print(f"\n== {stories:,} stories ==", flush=True)
    seeded = prepare(stories, env)
    print(f"seeded in {seeded:.1f} s", flush=True)
    info = inspect(env)
    port = 8765
    server = start_server(env, args.workers, port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        # a CSRF token and cookie for the vote endpoint (new anonymous voter every request)
        from http.cookiejar import CookieJar
        from urllib.request import HTTPCookieProcessor, build_opener

        jar = CookieJar()
        opener = build_opener(HTTPCookieProcessor(jar))
        page = opener.open(base + info["paths"]["story"]).read().decode()
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        cookie = next(c.value for c in jar if c.name == "csrftoken")
        lua = Path(tmp) / "vote.lua"
        lua.write_text(VOTE_LUA % (form_token, cookie, base + "/"))
        targets = [(name, path, None) for name, path in info["paths"].items()]
        targets.append(("vote", info["vote"], str(lua)))

        def measure(name, path, connections, script=None):
            wrk(base + path, connections, 1, script)  # warm the caches
            row = wrk(base + path, connections, args.duration, script)
            row.update(page=name, connections=connections)
            print(
                f"{name:>10} c={connections:<3} {row['rps']:8.0f} req/s  "
                f"p50 {row['p50']:6.2f} ms  p99 {row['p99']:7.2f} ms"
                f"{'  non-2xx ' + str(row['errors']) if row['errors'] else ''}",
                flush=True,
            )
            return row

        for connections in args.connections:
            # The floor is measured before and after each page, and the page compared with
            # the mean of the two, so a machine whose speed drifts skews no ratio.
            floors = [measure("floor", "/_bench/floor", connections)]
            pages = []
            for name, path, script in targets:
                row = measure(name, path, connections, script)
                floors.append(measure("floor", "/_bench/floor", connections))
                row["floor_rps"] = (floors[-2]["rps"] + floors[-1]["rps"]) / 2
                pages.append(row)
            floor = {
                key: sum(f[key] for f in floors) / len(floors) for key in ("rps", "p50", "p99")
            }
            floor.update(
                page="floor",
                connections=connections,
                floor_rps=floor["rps"],
                errors=sum(f["errors"] for f in floors),
            )
            rows += [floor, *pages]
        # cold story page: cache cleared before each request, sequential
        cold = []
        for _ in range(50):
            redis_clear()
            started = time.perf_counter()
            urlopen(base + info["paths"]["story"]).read()
            cold.append((time.perf_counter() - started) * 1000)
        cold.sort()
        cold_p50 = cold[len(cold) // 2]
        print(f"cold story page p50 {cold_p50:.1f} ms", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    results.append(
        {
            "stories": stories,
            "seeded_s": seeded,
            "rows": rows,
            "queries": info["queries"],
            "plans": info["plans"],
            "cold_story_p50_ms": cold_p50,
        }
    )


def report(results, args):
    lines = ["# Benchmark results", ""]
    lines.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}.  "
    )
    lines.append(
        f"gunicorn with {args.workers} sync workers, DEBUG off, Redis cache, "
        f"PostgreSQL; wrk from a second process, {args.duration} s per run. The floor "
        f"is run before and after every page; a page's share is its req/s over the "
        f"mean of those two floor runs, the floor row the mean of all of them."
    )
    for result in results:
        lines += [
            "",
            f"## {result['stories']:,} stories (seeded in {result['seeded_s']:.0f} s)",
            "",
            "| page | connections | req/s | share of floor | p50 ms | p99 ms | non-2xx |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in result["rows"]:
            share = r["rps"] / r["floor_rps"]
            lines.append(
                f"| {r['page']} | {r['connections']} | {r['rps']:.0f} | {share:.0%} | "
                f"{r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} |"
            )
        lines += [
            "",
            f"Cold story page (cache cleared before each request) p50: "
            f"{result['cold_story_p50_ms']:.1f} ms.",
            "",
            "Queries per request (cold cache / warm cache):",
            "",
        ]
        for name, (cold, warm) in result["queries"].items():
            lines.append(f"- {name}: {cold} / {warm}")
        lines += ["", "PostgreSQL plans of the hot list queries:", ""]
        for label, plan in result["plans"].items():
            lines.append(
                f"- {label}: `{plan[0].strip()}`"
                + (f" → `{plan[1].strip()}`" if len(plan) > 1 else "")
            )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    results = []
    for stories in args.stories:
        bench(stories, args, results)
    text = report(results, args)
    Path(args.output).write_text(text)
    print("\n" + text)


if __name__ == "__main__":
    main()
