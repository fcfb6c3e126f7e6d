#!/usr/bin/env python
"""Benchmark: search over a few thousand long stories, and what it leaves for other readers.

Seeds N stories of about 60 KB of text each into a PostgreSQL database of its own (their
search documents made from a lemmatised vocabulary, so seeding takes seconds), starts
gunicorn as in production, and measures with wrk:

- searches for a word in nearly every story, a word in a few, and a typo (trigram);
- the home page on its own, and again while four searches run at once.

    make bench-search                          # 3,000 stories
    make bench-search BENCH_ARGS="--stories 1000 --duration 5"
"""

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import PY, env_for, gunicorn, psql, run, stop, wrk  # noqa: E402

SEED = r"""
import random, sys, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from articles import text
from articles.models import Article, Section
from articles.delivery.content_version import content_changed

count, words_per_story = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(7)
base = ("уряд бюджет енергетика безпека громада школа лікарня дорога війна мир "
        "економіка податок вибори парламент міністр президент область місто село "
        "фронт оборона допомога партнер санкція зерно порт експорт інфляція банк").split()
vocabulary = base + [f"слово{n}" for n in range(3000)]
lemmas = {w: text.lemmatise(w) for w in vocabulary}
section = Section.objects.get_or_create(slug="novyny", defaults={"name": "Новини"})[0]
now = timezone.now()
batch = []
for n in range(count):
    chosen = [rnd.choice(vocabulary) for _ in range(words_per_story)]
    if n % 500 == 0:
        chosen.append("рідкісне")  # in a few stories only
    body = "<p>" + " ".join(chosen) + ".</p>"
    title = f"Довга історія номер {n} про {rnd.choice(base)}"
    doc = " " + text.lemmatise(title) + " " + " ".join(lemmas.get(w) or w for w in chosen) + " "
    batch.append(Article(title=title, slug=f"dovha-{n}", section=section, body=body,
                         excerpt=text.make_teaser(" ".join(chosen[:40])),
                         search_document=doc[: text.SEARCH_TEXT_LIMIT],
                         status=Article.Status.PUBLISHED,
                         published_at=now - timedelta(minutes=n)))
    if len(batch) == 200:
        Article.objects.bulk_create(batch)
        batch = []
Article.objects.bulk_create(batch)
content_changed()
print("seeded", Article.objects.count())
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=3000)
    parser.add_argument("--words", type=int, default=8000, help="words a story (~60 KB)")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(ROOT / "bench" / "SEARCH.md"))
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="newsroom-search-")
    env = env_for("newsroom_bench_search", tmp + "/static")
    db = env["DATABASE_URL"].rsplit("/", 1)[1]
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db}")
    run([PY, "manage.py", "migrate", "-v", "0"], env)
    started = time.monotonic()
    run([PY, "-c", SEED, str(args.stories), str(args.words)], env)
    seeded = time.monotonic() - started
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    run(["psql", env["DATABASE_URL"], "-q", "-c", "VACUUM ANALYZE"], env)
    from tests.servers import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn("newsroom.wsgi:application", env, args.workers, port)
    rows = []
    try:
        queries = {
            "common word (in almost every story)": "бюджет",
            "rare word (in a few stories)": "рідкісне",
            "two words": "безпека громада",
            "typo (trigram on headlines)": "Довга істрія",
        }
        for label, query in queries.items():
            url = f"{base}/search/?q={quote(query)}"
            # the search page is not stored: every request searches
            row = wrk(url, 4, args.duration)
            rows.append((f"search: {label}", 4, row))
            print(label, row, flush=True)
        alone = wrk(base + "/", 8, args.duration)
        rows.append(("home page alone", 8, alone))
        searching = subprocess.Popen(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                "4",
                "-d",
                f"{args.duration + 2}s",
                f"{base}/search/?q={quote('бюджет')}",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1)
        during = wrk(base + "/", 8, args.duration)
        searching.wait()
        rows.append(("home page while 4 searches run", 8, during))
        print("home alone", alone, "home during searches", during, flush=True)
    finally:
        stop(server)
    lines = [
        "# Search benchmark",
        "",
        f"{args.stories:,} published stories of about {args.words:,} words (~60 KB of text) "
        f"each, seeded in {seeded:.0f} s; gunicorn with {args.workers} sync workers, "
        f"PostgreSQL, Redis; wrk on the same two cores, {args.duration} s a run. Search "
        "pages are never stored, so every request searches.",
        "",
        "| what | connections | req/s | p50 ms | p99 ms | non-2xx |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, connections, row in rows:
        lines.append(
            f"| {label} | {connections} | {row['rps']:.0f} | {row['p50']:.1f} | "
            f"{row['p99']:.1f} | {row['errors']} |"
        )
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    random.seed(7)
    main()
