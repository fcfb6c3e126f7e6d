#!/usr/bin/env python
"""Benchmark: Інші новини by content against the fill before it, and the time to compute.

1. Precision@6 on the labelled corpus (bench/related_corpus.py, and its sparse variant):
   for every story, the share of the six shown that belong to its own thread, for the
   fill before (shared tags, then section, then newest, among the newest 1,000 stories
   of the last ARTICLES_RELATED_MAX_AGE_DAYS) and for the stored neighbours, side by
   side. The stories are published one by one in time order through
   articles.services.save_story, as an editor would, so older stories learn of newer ones
   as they would on the site.
2. Neighbours ready after publishing at N stories (100,000): seed_demo, then
   refresh_related indexes --index more of the newest (stories further back than the age
   limit cannot be candidates of a new story), then new stories are published through
   save_story with a task worker running, timed from the save to their neighbours
   stored and offered to the older stories; and the task's work alone, with its queries.

    make bench-related                                  # 100,000 stories
    make bench-related BENCH_ARGS="--stories 10000 --publish 10"
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import PY, env_for, psql, run  # noqa: E402

EVALUATE = r"""
import json, sys, django
django.setup()
from collections import Counter
from datetime import timedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from articles import services
from articles.models import Article, Section
from articles.related import related_news
sys.path.insert(0, "bench")
import related_corpus as corpus

now = timezone.now()
sections = {
    name: Section.objects.get_or_create(name=name, defaults={"slug": f"section-{i}"})[0]
    for i, name in enumerate(corpus.SECTIONS)
}
thread = {}
sparse = sys.argv[1] == "sparse"
for i, s in enumerate(sorted(corpus.stories(sparse=sparse), key=lambda s: -s["hours_ago"])):
    with transaction.atomic():  # as the admin saves: the story, then its tags, then commit
        article = Article(
            title=s["title"], slug=f"story-{i}", section=sections[s["section"]],
            body="".join(f"<p>{p}</p>" for p in s["paragraphs"]),
            status=Article.Status.PUBLISHED, published_at=now - timedelta(hours=s["hours_ago"]),
        )
        services.save_story(article=article)
        article.tags.set(s["tags"])
    thread[article.pk] = s["thread"]


def before(article):
    '''The fill as it was: shared tags, then section, then newest, each newest first.'''
    window = list(
        Article.objects.published()
        .filter(published_at__gte=now - timedelta(days=settings.ARTICLES_RELATED_MAX_AGE_DAYS))
        .order_by("-published_at", "-id")
        .prefetch_related("tags")[:1000]  # its window: the newest 1,000
    )
    tags = set(article.tags.values_list("pk", flat=True))
    tiers = (
        lambda a: bool(tags & {t.pk for t in a.tags.all()}),
        lambda a: a.section_id == article.section_id,
        lambda a: True,
    )
    shown = []
    for tier in tiers:
        shown += [a.pk for a in window if a.pk != article.pk and a.pk not in shown and tier(a)]
    return shown[:6]


def after(article):
    return [item.article_id for item in related_news(article)]


results = {}
for name, fill in (("before", before), ("content", after)):
    same = []
    for article in Article.objects.all():
        shown = fill(article)
        same.append(sum(thread[pk] == thread[article.pk] for pk in shown))
    results[name] = {
        "precision": sum(same) / (6 * len(same)),
        "four_or_more": sum(n >= 4 for n in same) / len(same),
        "histogram": dict(sorted(Counter(same).items())),
    }
results["stories"] = len(thread)
results["threads"] = len(set(thread.values()))
print(json.dumps(results))
"""

TIME_PUBLISHING = r"""
import json, random, statistics, sys, time, django
django.setup()
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from articles import neighbours, services
from articles.models import Article, Neighbour, StoryTerm

count = int(sys.argv[1])
rnd = random.Random(26)
models = list(Article.objects.order_by("-published_at")[:500])
ready, compute, queries, offered = [], [], [], []
for n in range(count):
    model = rnd.choice(models)
    tags = list(model.tags.all())
    started = time.perf_counter()
    with transaction.atomic():  # as the admin saves: the story, its tags, then the commit
        article = Article(
            title=model.title + f" (оновлено {n})", slug=f"bench-related-{n}-{time.time_ns()}",
            section_id=model.section_id, body=model.body, teaser=model.teaser,
            status=Article.Status.PUBLISHED, published_at=timezone.now(),
        )
        services.save_story(article=article)
        article.tags.set(tags)
    # the commit queued the task: a worker computes and stores the neighbours
    while not Neighbour.objects.filter(article=article).exists():
        time.sleep(0.02)
    ready.append(time.perf_counter() - started)
    offered.append(Neighbour.objects.filter(story=article).count())
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        neighbours.refresh_story(article_id=article.pk)  # the task's work alone, again
    compute.append(time.perf_counter() - started)
    queries.append(len(ctx))
print(json.dumps({
    "stories": Article.objects.count(),
    "indexed": StoryTerm.objects.values("article").distinct().count(),
    "index_rows": StoryTerm.objects.count(),
    "ready_p50": statistics.median(ready), "ready_max": max(ready),
    "compute_p50": statistics.median(compute), "compute_max": max(compute),
    "queries_p50": statistics.median(queries), "queries_max": max(queries),
    "offered_p50": statistics.median(offered),
}))
"""


def inner(script, env, *args):
    out = run([PY, "-c", script, *map(str, args)], env, capture_output=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fresh(env):
    db = env["DATABASE_URL"].rsplit("/", 1)[1]
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db}")
    run([PY, "manage.py", "migrate", "-v", "0"], env)


def evaluate(tmp, variant):
    env = env_for("newsroom_bench_related", tmp + "/static")
    env["TASKS_BACKEND"] = "immediate"  # each story's task runs as its save commits
    fresh(env)
    return inner(EVALUATE, env, variant)


def timing(tmp, args):
    env = env_for("newsroom_bench_related_big", tmp + "/static")
    if args.reuse:  # the database a previous run seeded and indexed
        run([PY, "manage.py", "migrate", "-v", "0"], env)
        return {**publish(env, args.publish), "seed_seconds": None, "index_seconds": None}
    fresh(env)
    started = time.monotonic()
    seed = ["seed_demo", "--articles", str(args.stories), "--no-editor", "-v", "0"]
    run([PY, "manage.py", *seed], env)
    seeded = time.monotonic() - started
    started = time.monotonic()
    run([PY, "manage.py", "refresh_related", "--limit", str(args.index), "-v", "0"], env)
    indexed = time.monotonic() - started
    run(["psql", env["DATABASE_URL"], "-q", "-c", "VACUUM ANALYZE"], env)
    return {**publish(env, args.publish), "seed_seconds": seeded, "index_seconds": indexed}


def publish(env, count):
    """Publish `count` stories with a task worker running, as on the site."""
    worker = subprocess.Popen([PY, "manage.py", "tasks_worker", "--no-reload"], cwd=ROOT, env=env)
    try:
        return inner(TIME_PUBLISHING, env, count)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def report(quality, speed, args):
    lines = [
        "## Інші новини: precision@6 and neighbours ready after publishing",
        "",
        f"`python bench/related.py --stories {args.stories} --publish {args.publish}` "
        f"({time.strftime('%Y-%m-%d')}, two shared cores).",
    ]
    if quality:
        lines += quality_table(quality)
    if speed:
        lines += speed_table(speed, args)
    return "\n".join(lines) + "\n"


def quality_table(quality):
    full = quality["full"]
    lines = [
        "",
        f"Labelled corpus: {full['stories']} stories in {full['threads']} threads "
        "(bench/related_corpus.py), no editor picks; sparse: two sentences of the thread "
        "a story instead of four.",
        "",
        "| corpus | fill | precision@6 | ≥ 4 of 6 from the thread | stories by same-thread count |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for variant, result in quality.items():
        for name, row in (
            ("tags, section, newest (before)", result["before"]),
            ("by content (now)", result["content"]),
        ):
            histogram = ", ".join(f"{k}: {v}" for k, v in row["histogram"].items())
            lines.append(
                f"| {variant} | {name} | {row['precision']:.1%} | {row['four_or_more']:.1%} "
                f"| {histogram} |"
            )
    return lines


def speed_table(speed, args):
    prepared = ""
    if speed["seed_seconds"] is not None:
        prepared = (
            f"seed_demo {speed['seed_seconds']:.0f} s, the newest indexed by refresh_related "
            f"in {speed['index_seconds']:.0f} s; "
        )
    return [
        "",
        f"At {speed['stories']:,} stories ({prepared}{speed['indexed']:,} stories indexed, "
        f"{speed['index_rows']:,} index rows), {args.publish} stories published through "
        "save_story with a task worker running:",
        "",
        "| measure | median | worst |",
        "| --- | ---: | ---: |",
        f"| save to neighbours stored and offered, through the task queue and a worker "
        f"| {speed['ready_p50'] * 1000:.0f} ms | {speed['ready_max'] * 1000:.0f} ms |",
        f"| the task's work alone | {speed['compute_p50'] * 1000:.0f} ms "
        f"| {speed['compute_max'] * 1000:.0f} ms |",
        f"| the task's queries | {speed['queries_p50']:.0f} | {speed['queries_max']} |",
        f"| older stories whose list it joined | {speed['offered_p50']:.0f} | |",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--index", type=int, default=7_000, help="stories refresh_related indexes")
    parser.add_argument("--publish", type=int, default=20)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="time on the last run's database")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="newsroom-related-")
    variants = () if args.skip_quality else ("full", "sparse")
    quality = {variant: evaluate(tmp, variant) for variant in variants}
    print(json.dumps(quality), flush=True)
    speed = None if args.skip_timing else timing(tmp, args)
    print(json.dumps(speed), flush=True)
    print(report(quality, speed, args))  # for bench/RESULTS.md
    subprocess.run(["rm", "-rf", tmp], check=False)


if __name__ == "__main__":
    main()
