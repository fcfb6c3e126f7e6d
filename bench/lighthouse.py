#!/usr/bin/env python
"""Benchmark: Lighthouse (mobile, performance) on a story with pictures.

A SQLite database and media folder of its own get one story with a lead photo and a
gallery of two more in its text (generated photo-like 3000×2000 JPEGs, put into the
library; their renditions made before the server starts, as the task workers would);
then gunicorn serves it as in production (`newsroom/gunicorn.conf.py`, DEBUG off,
collectstatic, WhiteNoise) with the media served by the app (`SERVE_MEDIA=1`: production
serves them from the proxy or object storage, faster still), and Lighthouse, from npm,
runs its default mobile audit (a mid-range phone, slow 4G, 4× CPU slowdown) in Debian's
Chromium, three times; the median score and its metrics are printed.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--port 8095]
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.pictures import photo_like  # noqa: E402
from bench.run import GUNICORN, PY, SECRET  # noqa: E402
from bench.run import wait_for as wait_until_up  # noqa: E402

LIGHTHOUSE = "lighthouse@13.5.0"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)

SEED = """
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from articles import services
from articles.models import Article, Section
from images import body, services as library
from images.models import Image

def upload(name):
    return SimpleUploadedFile(name, open(f"{PHOTOS}/{name}", "rb").read(), "image/jpeg")

section = Section.objects.create(name="Київ", slug="kyiv")
with transaction.atomic():
    lead = library.add_image(file=upload("lead.jpg"), alt="Сквер на Подолі", credit="Ігор Бойко")
    first = library.add_image(file=upload("first.jpg"), alt="Лавки", caption="Лавки")
    second = library.add_image(file=upload("second.jpg"), alt="Фонтан", caption="Фонтан")
figures = "".join(
    f'<figure><img src="{body.reference(i)}" alt="{i.alt}"><figcaption>{i.caption}</figcaption>'
    "</figure>"
    for i in (first, second)
)
line = "сквер відкрили в суботу, мешканці прийшли з дітьми"
text = "".join(f"<p>Абзац {n}: {line}.</p>" for n in range(6))
story = Article(
    title="На Подолі відкрили сквер", slug="skver", section=section, status="published",
    body=text + figures + text, picture=lead, lead_image_alt=lead.alt,
)
services.save_story(article=story)
for image in Image.objects.all():
    assert image.ready, image
print(story.get_absolute_url())
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8095)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmp:
        env = environment(tmp)
        url = prepare(tmp, env)
        server = subprocess.Popen(
            [GUNICORN, "newsroom.wsgi:application", "--config", "newsroom/gunicorn.conf.py"],
            cwd=ROOT,
            env=env | {"GUNICORN_BIND": f"127.0.0.1:{args.port}", "GUNICORN_WORKERS": "2"},
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{args.port}/robots.txt", server)
            reports = [audit(f"http://127.0.0.1:{args.port}{url}", tmp) for _ in range(args.runs)]
        finally:
            server.terminate()
            server.wait()
    report(reports)


def environment(tmp):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET,
        DATABASE_URL=f"sqlite:///{tmp}/site.sqlite3",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=f"{tmp}/static",
        MEDIA_ROOT=f"{tmp}/media",
        SERVE_MEDIA="1",
        TASKS_BACKEND="immediate",  # the seed's renditions are made as it saves
        LOG_LEVEL="WARNING",
    )
    return env


def prepare(tmp, env):
    """Migrate, collect static files, make the story; its address."""
    photos = Path(tmp) / "photos"
    photos.mkdir()
    for seed, name in enumerate(("lead.jpg", "first.jpg", "second.jpg"), 1):
        buffer = io.BytesIO()
        photo_like((3000, 2000), seed=seed).save(buffer, "JPEG", quality=88)
        (photos / name).write_bytes(buffer.getvalue())
    quiet = {"cwd": ROOT, "env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], **quiet)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], **quiet)
    seed = f"PHOTOS = {str(photos)!r}\n{SEED}"
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", seed],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=True,
    )
    return out.stdout.strip().splitlines()[-1]


def audit(url, tmp):
    """One Lighthouse mobile performance audit of `url`: its JSON report."""
    out = Path(tmp) / "report.json"
    npx = shutil.which("npx") or "npx"
    subprocess.run(
        [
            npx,
            "--yes",
            LIGHTHOUSE,
            url,
            "--only-categories=performance",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env=os.environ | {"CHROME_PATH": CHROMIUM},
        check=True,
    )
    return json.loads(out.read_text())


def report(reports):
    scores = [r["categories"]["performance"]["score"] * 100 for r in reports]
    median = sorted(reports, key=lambda r: r["categories"]["performance"]["score"])[
        len(reports) // 2
    ]
    version, score = median["lighthouseVersion"], statistics.median(scores)
    print(f"Lighthouse {version}, mobile, performance: {score:.0f}")
    print(f"  runs: {', '.join(f'{s:.0f}' for s in scores)}")
    for metric in METRICS:
        audit = median["audits"][metric]
        print(f"  {audit['title']}: {audit['displayValue']}")


if __name__ == "__main__":
    main()
