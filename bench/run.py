#!/usr/bin/env python
"""Benchmark: pages, feeds, sitemaps, search, the view beacon and votes against the floors.

Seeds N stories into a PostgreSQL database of its own, starts gunicorn as in production
(newsroom/gunicorn.conf.py, collectstatic, DEBUG off, JSON request logs at INFO, a
Redis server of its own so that its CPU is the site's alone), and load-tests from a
second process with wrk at several concurrency levels; story pages and beacons are
spread over many stories. Beside each page's req/s it reports the CPU per request of
the app's workers, of the PostgreSQL backends serving them and of Redis. Each page is compared, side by side in the same run, with
the framework's floor: a view of a bare `django-admin startproject` in its own gunicorn
with the same settings, as Django itself measures it. The story page is also served
through Varnish (deploy/varnish/default.vcl) and compared with nginx serving the same
bytes from disk, the physical limit of the machine. It prints requests per second, p50
and p99 latency, the query count of each page cold and warm, and the PostgreSQL plans
of the hot list queries.

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
import socket
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
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
# A new anonymous voter every request, as a browser sends the page's form (no token).
VOTE_LUA = """
wrk.method = "POST"
wrk.body = "score=4"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = "%s"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
"""
# Requests spread over many stories (and readers, for the beacon).
SPREAD_LUA = """
paths = {%(paths)s}
wrk.method = "%(method)s"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
counter = 0
request = function()
  counter = counter + 1
  wrk.headers["X-Forwarded-For"] = "10." .. (counter %% 250) .. "." .. math.random(0, 250) .. ".1"
  return wrk.format(nil, paths[math.random(#paths)])
end
"""
NGINX_CONF = """
worker_processes %(workers)d;
daemon off;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(tmp)s/client_body;
    proxy_temp_path %(tmp)s/proxy;
    fastcgi_temp_path %(tmp)s/fastcgi;
    uwsgi_temp_path %(tmp)s/uwsgi;
    scgi_temp_path %(tmp)s/scgi;
    default_type text/html;
    server {
        listen 127.0.0.1:%(port)d;
        root %(tmp)s/www;
    }
}
"""
FLOOR_VIEW = """
from django.http import HttpResponse


def hello(request):
    return HttpResponse("Hello, world")


urlpatterns += [path("hello/", hello)]
"""


def env_for(db_name, static_root):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET,
        DATABASE_URL=f"{PG}/{db_name}",
        CACHE_KEY_PREFIX=f"bench-{db_name}",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        RATINGS_VOTES_PER_ADDRESS="0",
        STATIC_ROOT=static_root,
        TRUSTED_PROXIES="127.0.0.1",
    )
    return env


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, text=True, **kwargs)


def psql(sql):
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True)


def seeded_before(db, stories):
    """True when `db` already holds `stories` stories (a rerun with --keep-database)."""
    out = subprocess.run(
        ["psql", f"{PG}/{db}", "-Atc", "SELECT count(*) FROM articles_article"],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0 and out.stdout.strip() == str(stories)


def prepare(stories, env, keep=False):
    db = env["DATABASE_URL"].rsplit("/", 1)[1]
    if keep and seeded_before(db, stories):
        run([PY, "manage.py", "migrate", "-v", "0"], env)
        run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        return 0.0
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
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
         "section": section.get_absolute_url(), "top rated": "/top/",
         "feed": "/feed/", "sitemap index": "/sitemap.xml",
         "sitemap, 5,000 URLs": "/sitemap-articles.xml?p=2",
         "search": "/search/?q=%D0%B5%D0%BA%D0%BE%D0%BD%D0%BE%D0%BC%D1%96%D0%BA%D0%B0"}
client = Client()
stories = list(Article.objects.published().order_by("-published_at").values_list("pk", "slug")[:2000:10])
out = {"paths": paths, "vote": f"/ratings/articles.article/{story.pk}/rating/vote/",
       "stories": [f"/news/{slug}/" for _pk, slug in stories],
       "beacons": [f"/views/{pk}/" for pk, _slug in stories],
       # stories no other run asks for: page-cache misses
       "fresh": [f"/news/{slug}/" for slug in Article.objects.published().order_by("-published_at").values_list("slug", flat=True)[2001:4001:10]],
       "queries": {}}
for name, path in paths.items():
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    out["queries"][name] = [len(cold), len(warm)]
client.get(story.get_absolute_url())
with CaptureQueriesContext(connection) as vote:
    r = client.post(out["vote"], {"score": "4"}, HTTP_ACCEPT="application/json",
                    HTTP_SEC_FETCH_SITE="same-origin")
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


def gunicorn(app, env, workers, port, cwd=ROOT, ready="/robots.txt", config=None, log=None):
    """gunicorn with sync workers: the site with its production config (`config`) and
    its request log written to `log`, the floor with gunicorn's defaults."""
    options = ["--config", str(config)] if config else []
    process = subprocess.Popen(
        [GUNICORN, app, *options, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=cwd,
        env=env,
        stderr=log,
    )
    wait_for(f"http://127.0.0.1:{port}{ready}", process)
    return process


def wait_for(url, process):
    for _ in range(150):
        try:
            urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{url} did not come up")


def start_floor(tmp, workers, port):
    """A bare `django-admin startproject` with one view, in a gunicorn of its own."""
    project = Path(tmp) / "floor"
    project.mkdir()
    subprocess.run([PY, "-m", "django", "startproject", "floorsite", str(project)], check=True)
    settings_file = project / "floorsite" / "settings.py"
    settings_file.write_text(settings_file.read_text() + "\nDEBUG = False\nALLOWED_HOSTS = ['*']\n")
    urls = project / "floorsite" / "urls.py"
    urls.write_text(urls.read_text() + FLOOR_VIEW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return gunicorn("floorsite.wsgi:application", env, workers, port, cwd=project, ready="/hello/")


def start_nginx(tmp, body, workers, port):
    """nginx serving the story page's bytes from disk: the machine's physical limit."""
    os.chmod(tmp, 0o755)  # nginx's workers run as nobody
    www = Path(tmp) / "www"
    www.mkdir()
    (www / "story.html").write_bytes(body)
    conf = Path(tmp) / "nginx.conf"
    conf.write_text(NGINX_CONF % {"tmp": tmp, "port": port, "workers": workers})
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", tmp])
    wait_for(f"http://127.0.0.1:{port}/story.html", process)
    return process


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def proc_cpu(pids):
    """CPU seconds (user and system) of processes `pids` so far."""
    return sum(cpu_by_pid(pids).values())


def cpu_by_pid(pids):
    """{pid: CPU seconds (user and system) so far} of those of `pids` still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def spent(before, after):
    """CPU seconds between two readings: totals, or {pid: seconds} of processes that may
    come and go (a PostgreSQL backend replaced when its connection reaches CONN_MAX_AGE:
    each process's own difference, a new one's from zero; one that ended in between is
    lost, which undercounts, where two totals could even go negative)."""
    if isinstance(after, dict):
        return sum(seconds - before.get(pid, 0) for pid, seconds in after.items())
    return after - before


def postgres_pids(database):
    """The PostgreSQL backends connected to the benchmark's database."""
    out = subprocess.run(
        [
            "psql",
            f"{PG}/postgres",
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'",
        ],
        capture_output=True,
        text=True,
    ).stdout
    return [int(pid) for pid in out.split()]


def start_redis(port):
    """A Redis server of the benchmark's own, so that its CPU is the site's alone."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def server_cpu(server):
    """CPU seconds (user and system) of a gunicorn's workers so far; None for others.

    Throughput on a shared machine moves with whatever else runs; the CPU each request
    costs the server moves much less, so it is reported beside it.
    """
    if server is None:
        return 0.0
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    total = 0
    for pid in children.stdout.split():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that has just been replaced
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


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
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


SEARCHES = (
    "економіка",
    "Київ",
    "енергетика",
    "вибори",
    "Європа",
    "бюджет",
    "зерно",
    "НАТО",
    "санкції",
    "газ",
    "Байден",
    "безпека",
    "освіта",
    "медицина",
    "спорт",
    "футбол",
    "погода",
    "інфляція",
    "культура",
    "технології",
)


def lua_file(tmp, name, text):
    path = Path(tmp) / name
    path.write_text(text)
    return str(path)


def spread(tmp, name, paths, method="GET"):
    listed = ", ".join(json.dumps(path) for path in paths)
    return lua_file(tmp, name, SPREAD_LUA % {"paths": listed, "method": method})


def timed_gets(urls):
    """(latencies in ms, sorted) of one sequential GET of each URL."""
    times = []
    for url in urls:
        started = time.perf_counter()
        urlopen(url).read()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def bench(stories, args, results):
    tmp = tempfile.mkdtemp(prefix="newsroom-bench-")
    sys.path.insert(0, str(ROOT))
    from tests.edge import Varnish
    from tests.servers import free_port

    redis_port = free_port()
    running = [start_redis(redis_port)]
    db = f"{args.database_prefix}_{stories}"
    env = env_for(db, tmp + "/static")
    env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    print(f"\n== {stories:,} stories ==", flush=True)
    seeded = prepare(stories, env, keep=args.keep_database)
    print(f"seeded in {seeded:.1f} s", flush=True)
    info = inspect(env)
    port, floor_port, nginx_port = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env.update(SITE_URL=base, GUNICORN_WORKERS=str(args.workers))
    rows, extra = [], {}
    log = open(Path(tmp) / "requests.log", "w")  # noqa: SIM115  (closed below)
    try:
        app = gunicorn(
            "newsroom.wsgi:application",
            env,
            args.workers,
            port,
            config=ROOT / "newsroom" / "gunicorn.conf.py",
            log=log,
        )
        running.append(app)
        floor = start_floor(tmp, args.workers, floor_port)
        running.append(floor)
        story_bytes = urlopen(base + info["paths"]["story"]).read()
        running.append(start_nginx(tmp, story_bytes, args.workers, nginx_port))
        varnish = Varnish([port])
        running.append(varnish)
        shipper = subprocess.Popen(
            [PY, "manage.py", "ship_views", "-n", str(varnish.workdir / "n"), "-v", "0"],
            cwd=ROOT,
            env=env,
        )
        running.append(shipper)
        vote = lua_file(tmp, "vote.lua", VOTE_LUA % base)
        stories_lua = spread(tmp, "stories.lua", info["stories"])
        beacons_lua = spread(tmp, "beacons.lua", info["beacons"], method="POST")
        targets = [(name, base + path, None) for name, path in info["paths"].items()]
        targets.insert(1, ("story, 200 spread", base + "/", stories_lua))
        # crawlers and browsers ask for gzip; wrk alone does not
        gzip_lua = lua_file(tmp, "gzip.lua", 'wrk.headers["Accept-Encoding"] = "gzip"\n')
        sitemap = base + info["paths"]["sitemap, 5,000 URLs"]
        targets.append(("sitemap, 5,000 URLs, gzip", sitemap, gzip_lua))
        targets.append(("view beacon (WSGI)", base + "/", beacons_lua))
        targets.append(("vote", base + info["vote"], vote))
        floor_url = f"http://127.0.0.1:{floor_port}/hello/"
        nginx_url = f"http://127.0.0.1:{nginx_port}/story.html"
        edge_pages = [
            ("story via Varnish, 200 spread", varnish.url + "/", stories_lua),
            ("view beacon via Varnish", varnish.url + "/", beacons_lua),
        ]

        def cpu_now(url):
            if url.startswith(f"http://127.0.0.1:{floor_port}"):
                return {"app": server_cpu(floor)}
            shipping = [shipper.pid, *children(shipper.pid)]
            return {
                "app": server_cpu(app),
                "pg": cpu_by_pid(postgres_pids(db)),
                "redis": proc_cpu([running[0].pid]),
                "edge counting": proc_cpu(shipping),
            }

        def measure(name, url, connections, script=None):
            wrk(url, connections, 1, script)  # warm the caches
            before = cpu_now(url)
            row = wrk(url, connections, args.duration, script)
            after = cpu_now(url)
            row.update(page=name, connections=connections)
            if row["requests"]:
                for part, seconds in after.items():
                    row[f"{part}_us"] = spent(before[part], seconds) / row["requests"] * 1e6
                row["cpu_us"] = row["app_us"]
            parts = "  ".join(
                f"{k[:-3]} {v:.0f} us"
                for k, v in row.items()
                if k.endswith("_us") and k != "cpu_us"
            )
            print(
                f"{name:>30} c={connections:<3} {row['rps']:8.0f} req/s  "
                f"p50 {row['p50']:6.2f} ms  p99 {row['p99']:7.2f} ms  {parts}"
                f"{'  non-2xx ' + str(row['errors']) if row['errors'] else ''}",
                flush=True,
            )
            return row

        def against(reference_name, reference_url, pages, connections):
            """Each page between two runs of its reference, compared with their mean."""
            refs = [measure(reference_name, reference_url, connections)]
            measured = []
            for name, url, script in pages:
                row = measure(name, url, connections, script)
                refs.append(measure(reference_name, reference_url, connections))
                row["reference"] = reference_name
                row["reference_rps"] = (refs[-2]["rps"] + refs[-1]["rps"]) / 2
                if "cpu_us" in refs[-1] and "cpu_us" in refs[-2]:
                    row["reference_cpu_us"] = (refs[-2]["cpu_us"] + refs[-1]["cpu_us"]) / 2
                measured.append(row)
            mean = {key: sum(r[key] for r in refs) / len(refs) for key in ("rps", "p50", "p99")}
            mean.update(
                page=reference_name,
                connections=connections,
                reference=reference_name,
                reference_rps=mean["rps"],
                errors=sum(r["errors"] for r in refs),
            )
            if all("cpu_us" in r for r in refs):
                mean["cpu_us"] = mean["reference_cpu_us"] = sum(r["cpu_us"] for r in refs) / len(
                    refs
                )
            return [mean, *measured]

        for connections in args.connections:
            rows += against("bare Django", floor_url, targets, connections)
            rows += against("nginx, same bytes", nginx_url, edge_pages, connections)
        extra = cold_costs(info, base, cpu_now, floor_url)
    finally:
        for process in reversed(running):
            process.stop() if isinstance(process, Varnish) else stop(process)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    results.append(
        {
            "stories": stories,
            "seeded_s": seeded,
            "rows": rows,
            "queries": info["queries"],
            "plans": info["plans"],
            **extra,
        }
    )


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(child) for child in out.split()]


MISS_CHUNKS = 4


def cold_costs(info, base, cpu_now, floor_url):
    """Page-cache misses of stories (other pages' fragments warm), and search p99 over
    SEARCHES: the first time each is asked (cold) and asked again (stored).

    The misses are asked in MISS_CHUNKS chunks with a second of the floor (the bare
    Django view) before each and after the last: what a request costs on this shared
    machine moves by a third from one minute to the next, so the floor's CPU a request
    at the same moment is reported beside the misses'.
    """
    from urllib.parse import quote

    fresh = [base + path for path in info["fresh"]]
    size = -(-len(fresh) // MISS_CHUNKS)
    misses, floors, miss = [], [], {"app": 0.0, "pg": 0.0}

    def floor_cpu():
        before = cpu_now(floor_url)
        row = wrk(floor_url, 8, 1)
        floors.append(spent(before["app"], cpu_now(floor_url)["app"]) / row["requests"] * 1e6)

    for start in range(0, len(fresh), size):
        floor_cpu()
        before = cpu_now(base)
        misses += timed_gets(fresh[start : start + size])
        after = cpu_now(base)
        for part in miss:
            miss[part] += spent(before[part], after[part]) / len(fresh) * 1e6
    floor_cpu()
    misses.sort()
    searches = [f"{base}/search/?q={quote(word)}" for word in SEARCHES]
    cold = timed_gets(searches)
    repeated = timed_gets(searches)
    out = {
        "misses": len(fresh),
        "miss_p50_ms": misses[len(misses) // 2],
        "miss_app_us": miss["app"],
        "miss_pg_us": miss["pg"],
        "miss_floor_us": sum(floors) / len(floors),
        "search_cold_p99_ms": cold[-1],
        "search_repeated_p99_ms": repeated[-1],
    }
    print(json.dumps(out), flush=True)
    return out


def report(results, args):
    lines = ["# Benchmark results", ""]
    lines.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}.  "
    )
    lines.append(
        f"gunicorn with `newsroom/gunicorn.conf.py` ({args.workers} sync workers, preloaded "
        f"app), DEBUG off, JSON request logs at INFO written to a file, a Redis server of "
        f"the benchmark's own, PostgreSQL; wrk from a second process on the same cores, "
        f"{args.duration} s per run. Story pages and beacons are spread over 200 stories "
        f"and many client addresses. Each app page is compared with a bare `django-admin "
        f"startproject` view in its own gunicorn (the framework's floor); pages through "
        f"Varnish with nginx serving a story's bytes from disk (the physical limit). The "
        f"reference runs before and after every page; a page's share is its req/s over "
        f"the mean of those two runs. CPU per request (user and system, from /proc): the "
        f"app's gunicorn workers, the PostgreSQL backends they use, the Redis server, and "
        f"`ship_views` with its varnishncsa (counting at the edge); in brackets the "
        f"floor's app CPU over the page's: the share by cost, which moves much less than "
        f"throughput with whatever else the shared machine is doing."
    )
    for result in results:
        lines += [
            "",
            f"## {result['stories']:,} stories (seeded in {result['seeded_s']:.0f} s)",
            "",
            "| page | conn. | req/s | share of | app CPU/req | PostgreSQL | Redis "
            "| edge counting | p50 ms | p99 ms | non-2xx |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in result["rows"]:
            share = r["rps"] / r["reference_rps"]
            against = f"{share:.0%} of {r['reference']}"
            cpu = "—"
            if "cpu_us" in r:
                cpu = f"{r['cpu_us']:.0f} µs"
                if (
                    r["reference"] == "bare Django"
                    and r["cpu_us"] > 0
                    and r["page"] != r["reference"]
                ):
                    cpu += f" ({r['reference_cpu_us'] / r['cpu_us']:.0%})"
            others = [
                f"{r[key]:.0f} µs" if key in r else "—"
                for key in ("pg_us", "redis_us", "edge counting_us")
            ]
            lines.append(
                f"| {r['page']} | {r['connections']} | {r['rps']:.0f} | {against} | {cpu} | "
                + " | ".join(others)
                + f" | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} |"
            )
        if "miss_p50_ms" in result:
            lines += [
                "",
                f"Page-cache miss of a story ({result['misses']} stories never asked before, "
                f"the fragments every page repeats warm): p50 {result['miss_p50_ms']:.1f} ms, "
                f"{result['miss_app_us'] / 1000:.1f} ms app CPU and "
                f"{result['miss_pg_us'] / 1000:.1f} ms PostgreSQL CPU each; the bare Django "
                f"view took {result['miss_floor_us']:.0f} µs of CPU a request around them "
                f"({result['miss_app_us'] / result['miss_floor_us']:.1f} times as much for "
                f"a miss).  ",
                f"Search over {len(SEARCHES)} Ukrainian queries, one at a time: p99 "
                f"{result['search_cold_p99_ms']:.0f} ms the first time, "
                f"{result['search_repeated_p99_ms']:.0f} ms asked again.",
            ]
        lines += ["", "Queries per request (cold cache / warm cache):", ""]
        for name, (cold, warm) in result["queries"].items():
            lines.append(f"- {name}: {cold} / {warm}")
        lines += ["", "PostgreSQL plans of the hot list queries:", ""]
        for label, plan in result["plans"].items():
            lines.append(
                f"- {label}: `{plan[0].strip()}`"
                + (f" → `{plan[1].strip()}`" if len(plan) > 1 else "")
            )
    return "\n".join(lines) + "\n"


def other_sections(output):
    """The sections of `output` other benchmarks wrote (everything from the first "## "
    heading that is not this one's "## N stories"), kept below this run's."""
    if not output.exists():
        return []
    sections = re.split(r"(?m)^(?=## )", output.read_text())[1:]
    own = re.compile(r"## [\d,]+ stories\b")
    return ["\n" + s.rstrip("\n") + "\n" for s in sections if not own.match(s)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--keep-database", action="store_true", help="reuse a database seeded by an earlier run"
    )
    parser.add_argument(
        "--database-prefix",
        default="newsroom_bench",
        help="databases are named PREFIX_<stories> (several runs side by side, each its own)",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    for tool, package in (("wrk", "wrk"), ("nginx", "nginx"), ("varnishd", "varnish")):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed: apt-get install {package} (make bench does)")
    results = []
    for stories in args.stories:
        bench(stories, args, results)
    text = report(results, args)
    output = Path(args.output)
    output.write_text(text + "".join(other_sections(output)))
    print("\n" + text)


if __name__ == "__main__":
    main()
