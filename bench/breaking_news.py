#!/usr/bin/env python
"""A breaking-news spike tried end to end: Varnish in front of two app servers.

On a database already seeded (`seed_demo --articles 100000`), it starts two gunicorn app
servers as in production (newsroom/gunicorn.conf.py, JSON request logs at INFO), a Redis
of its own, Varnish with the shipped VCL in front of both (purged by the apps) and
`ship_views` beside it, and then, as readers would:

1. reads 200 stories with JavaScript through Varnish (each page and its view beacon) and
   counts the app servers' CPU per story view: counting only;
2. sends rounds of 200 voters voting at once on one story through Varnish while home and
   top rated are read through Varnish, and checks that every vote answered is counted
   exactly once and that both pages stayed cache hits;
3. waits for top rated and home to show the voted story (the documented lag);
4. times the sitemaps and the feed, at the origin and through Varnish.

    make bench-breaking BENCH_ARGS="--database newsroom_bench_100000"
"""

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (  # noqa: E402
    PY,
    ROOT,
    children,
    cpu_by_pid,
    env_for,
    gunicorn,
    lua_file,
    postgres_pids,
    proc_cpu,
    run,
    server_cpu,
    spent,
    start_redis,
    stop,
    wrk,
)
from tests.edge import Varnish  # noqa: E402
from tests.servers import free_port  # noqa: E402

# A reader with JavaScript: the story page, then its view beacon.
READERS_LUA = """
paths = {%(paths)s}
counter = 0
request = function()
  counter = counter + 1
  local n = math.floor((counter - 1) / 2) %% #paths + 1
  wrk.headers["X-Forwarded-For"] = "10." .. (counter %% 250) .. "." .. math.random(0, 250) .. ".1"
  wrk.headers["Sec-Fetch-Site"] = "same-origin"
  if counter %% 2 == 1 then
    return wrk.format("GET", paths[n][1])
  end
  return wrk.format("POST", paths[n][2])
end
"""
STORIES = r"""
import json, django
django.setup()
from articles.models import Article
from ratings.models import Score
newest = Article.objects.published().order_by("-published_at").values_list("pk", "slug")
stories = list(newest[:4000:20])
# a story nobody voted on yet, outside top rated until the burst
quiet = newest.exclude(pk__in=Score.objects.values("object_id"))[3001]
print("JSON" + json.dumps({"stories": stories, "voted": quiet}))
"""
TALLY = r"""
import json, django
django.setup()
from ratings.models import Score, Vote
pk = %d
score = Score.objects.filter(object_id=pk, field="rating").values_list("count", "total").first()
votes = Vote.objects.filter(object_id=pk, field="rating").count()
print("JSON" + json.dumps({"score": score or [0, 0], "votes": votes}))
"""


def django_json(code, env):
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("JSON")]
    if not line:
        raise SystemExit(out.stderr)
    return json.loads(line[-1][4:])


def get(url, **headers):
    """(status, headers, body, ms) of one GET."""
    started = time.perf_counter()
    with urlopen(Request(url, headers=headers), timeout=30) as response:
        body = response.read()
        return response.status, response.headers, body, (time.perf_counter() - started) * 1000


def app_cpu(apps):
    return sum(server_cpu(app) for app in apps)


def story_views(varnish, apps, shipper, stories, args, tmp):
    """Readers with JavaScript through Varnish: the app servers' CPU per story view."""
    pairs = ", ".join(json.dumps([f"/news/{slug}/", f"/views/{pk}/"]) for pk, slug in stories)
    script = lua_file(tmp, "readers.lua", READERS_LUA % {"paths": pairs})
    for _pk, slug in stories:  # each page once: Varnish fetches it (a miss at the origin)
        get(f"{varnish.url}/news/{slug}/")
    before = app_cpu(apps), proc_cpu([shipper.pid, *children(shipper.pid)])
    row = wrk(varnish.url + "/", 64, args.duration, script)
    after = app_cpu(apps), proc_cpu([shipper.pid, *children(shipper.pid)])
    views = row["requests"] / 2
    return {
        "story views/s": round(row["rps"] / 2),
        "app CPU per story view (µs)": round((after[0] - before[0]) / views * 1e6, 1),
        "counting CPU per view, ship_views (µs)": round((after[1] - before[1]) / views * 1e6, 1),
        "non-2xx": row["errors"],
        "p99 ms": row["p99"],
    }


def watch(varnish, paths, stop_event, seen):
    """Read `paths` through Varnish until told to stop, noting X-Cache of each answer."""
    while not stop_event.is_set():
        for path in paths:
            status, headers, _body, _ms = get(varnish.url + path)
            seen.setdefault(path, []).append((status, headers.get("X-Cache")))
        time.sleep(0.05)


def vote(url, address):
    """One new voter's vote, as the page's script sends it: the status, or the error."""
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "same-origin",
        "X-Forwarded-For": address,
    }
    try:
        with urlopen(Request(url, b"score=5", headers), timeout=60) as response:
            return response.status
    except HTTPError as exc:
        return exc.code
    except OSError as exc:
        return type(exc).__name__


def voters(url, count, start):
    """`count` new voters voting at once (each on a connection of their own)."""
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def one(n):
        barrier.wait()
        statuses[n] = vote(url, f"10.{(start + n) // 250 % 250}.{(start + n) % 250}.7")

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def vote_burst(varnish, apps, db, voted, env, args):
    """Rounds of 200 voters voting at once on one story while home and top rated are read."""
    pk, slug = voted
    for path in ("/", "/top/"):  # in Varnish before the burst
        get(varnish.url + path)
    before = django_json(TALLY % pk, env)
    url = f"{varnish.url}/ratings/articles.article/{pk}/rating/vote/"
    stop_event, seen = threading.Event(), {}
    watcher = threading.Thread(target=watch, args=(varnish, ["/", "/top/"], stop_event, seen))
    watcher.start()
    cpu = app_cpu(apps), cpu_by_pid(postgres_pids(db))
    started = time.monotonic()
    statuses = []
    for round_ in range(args.rounds):
        statuses += voters(url, args.voters, round_ * args.voters)
    took = time.monotonic() - started
    cpu = app_cpu(apps) - cpu[0], spent(cpu[1], cpu_by_pid(postgres_pids(db)))
    ended = time.monotonic()
    stop_event.set()
    watcher.join()
    after = django_json(TALLY % pk, env)
    answered = statuses.count(200)
    counted = after["score"][0] - before["score"][0]
    lags = {path: wait_for_story(varnish, path, slug, ended) for path in ("/top/", "/")}
    return {
        "voters at once": args.voters,
        "votes": len(statuses),
        "votes/s": round(len(statuses) / took),
        "answers": {str(status): statuses.count(status) for status in set(statuses)},
        "score count added": counted,
        "score total added": after["score"][1] - before["score"][1],
        "vote rows added": after["votes"] - before["votes"],
        "exact": counted == answered == after["votes"] - before["votes"],
        "app CPU per vote (µs)": round(cpu[0] / len(statuses) * 1e6),
        "PostgreSQL CPU per vote (µs)": round(cpu[1] / len(statuses) * 1e6),
        "during the burst": {
            path: f"{sum(1 for s, c in answers if c == 'HIT')}/{len(answers)} hits, "
            f"statuses {sorted({s for s, _c in answers})}"
            for path, answers in seen.items()
        },
        "seconds until the voted story shows": lags,
    }


def wait_for_story(varnish, path, slug, since, limit=120):
    """Seconds after `since` until `path` (through Varnish) links the story, or None."""
    while time.monotonic() - since < limit:
        if f"/news/{slug}/".encode() in get(varnish.url + path)[2]:
            return round(time.monotonic() - since, 1)
        time.sleep(0.5)
    return None


def documents(varnish, base):
    """Sitemaps and the feed: first at the origin (stored or made), again (stored), then
    through Varnish twice (a miss, then a hit)."""
    out = {}
    for path in ("/sitemap.xml", "/sitemap-articles.xml?p=2", "/feed/"):
        origin = [round(get(base + path)[3], 1) for _ in range(2)]
        edge = [get(varnish.url + path) for _ in range(2)]
        out[path] = {
            "origin ms (first, again)": origin,
            "via Varnish ms (first, again)": [round(answer[3], 1) for answer in edge],
            "X-Cache": [answer[1].get("X-Cache") for answer in edge],
        }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="newsroom_bench_100000")
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="of voters voting at once")
    parser.add_argument("--duration", type=int, default=10, help="seconds of story views")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="newsroom-breaking-")
    redis_port, varnish_port = free_port(), free_port()
    running = [start_redis(redis_port)]
    env = env_for(args.database, tmp + "/static")
    env.update(
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
        GUNICORN_WORKERS="2",
    )
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    info = django_json(STORIES, env)
    log = open(Path(tmp) / "requests.log", "w")  # noqa: SIM115  (closed below)
    try:
        apps = []
        for _ in range(2):
            port = free_port()
            env_app = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
            config = ROOT / "newsroom" / "gunicorn.conf.py"
            apps.append(
                gunicorn("newsroom.wsgi:application", env_app, 2, port, config=config, log=log)
            )
            apps[-1].port = port
        running += apps
        varnish = Varnish([app.port for app in apps], port=varnish_port)
        running.append(varnish)
        shipper = subprocess.Popen(
            [PY, "manage.py", "ship_views", "-n", str(varnish.workdir / "n"), "-v", "0"],
            cwd=ROOT,
            env=env,
        )
        running.append(shipper)
        base = f"http://127.0.0.1:{apps[0].port}"
        report = {
            "stories with JavaScript through Varnish": story_views(
                varnish, apps, shipper, [tuple(s) for s in info["stories"]], args, tmp
            ),
            "a burst of votes": vote_burst(
                varnish, apps, args.database, tuple(info["voted"]), env, args
            ),
            "sitemaps and feed": documents(varnish, base),
        }
    finally:
        for process in reversed(running):
            process.stop() if isinstance(process, Varnish) else stop(process)
        log.close()
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
