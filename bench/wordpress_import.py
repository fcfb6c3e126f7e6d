#!/usr/bin/env python
"""Benchmark: import_wordpress on generated exports of 10,000 and 50,000 posts with images.

Writes each export to disk as it is generated (never whole in memory), with photo-like
images (a featured one and three in the body of every post, WordPress's size files
beside them) and a copy of the uploads folder to read them from, then runs
`import_wordpress --skip-renditions` in a subprocess against a PostgreSQL database of its
own and reports posts per second, the child's peak RSS and CPU time; then times the
renditions step on a sample of the lead images, and this machine's floors (parsing the
export with expat alone, copying the uploads folder). Two sizes show whether memory
grows with the file.

    make bench-wordpress
    .venv/bin/python bench/wordpress_import.py --posts 2000
"""

import argparse
import io
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.parsers import expat

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SITE = "https://vesti.example.ua"
WORDS = (
    "уряд рада бюджет закон війна мир економіка гривня курс банк місто село область громада "
    "президент міністр депутат вибори суд право освіта школа лікарня здоров'я енергетика газ "
    "світло тепло зима весна літо осінь фронт армія допомога партнери санкції експорт зерно"
).split()
CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
started = time.monotonic()
call_command("import_wordpress", sys.argv[1], media_dir=sys.argv[2], verbosity=0,
             skip_renditions=True, skip_related=True)
elapsed = time.monotonic() - started
load = os.getloadavg()[0]
usage = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # reading and image processes
pg_cpu = None
try:  # the import's PostgreSQL backend, when it runs on this machine
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    pg_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
except OSError:
    pass
# this process's own peak (ru_maxrss would also count the benchmark's, inherited through
# fork and exec)
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "max_rss_mb": peak / 1024,
                  "workers_rss_mb": workers.ru_maxrss / 1024,
                  "cpu_s": usage.ru_utime + usage.ru_stime,
                  "workers_cpu_s": workers.ru_utime + workers.ru_stime,
                  "pg_cpu_s": pg_cpu, "load": load}))
"""
# The renditions step (what `import_wordpress` does after it has committed and reported,
# or a later run after --skip-renditions) on a sample of the imported lead images.
RENDITIONS = r"""
import json, sys, time
import django
django.setup()
from imports.wordpress import renditions
names = renditions.missing_pictures()
started = time.monotonic()
made, failed = renditions.into_library(names[: int(sys.argv[1])])
elapsed = time.monotonic() - started
print(json.dumps({"images": len(names), "sample": made + failed, "sample_s": elapsed}))
"""
RENDITION_SAMPLE = 400


def cdata(value):
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sentence(rng, n=12):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def photo(seed, size=(800, 533)):
    """A photo-like picture: smooth gradients, some texture, shapes (about 60 KB as JPEG)."""
    rng = random.Random(seed)
    width, height = size
    ramp = Image.linear_gradient("L").resize(size)
    texture = Image.effect_noise((width // 6, height // 6), 40).resize(
        size, Image.Resampling.BICUBIC
    )
    image = Image.merge("RGB", (ramp, texture, ramp.rotate(90)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + rng.randint(10, 160), y + rng.randint(10, 160))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    return image.filter(ImageFilter.GaussianBlur(1.5))


def jpeg_bytes(image, size=None):
    buffer = io.BytesIO()
    (image.resize(size, Image.Resampling.LANCZOS) if size else image).save(
        buffer, "JPEG", quality=82
    )
    return buffer.getvalue()


def generate(path, uploads, posts, seed=1):
    """Write a WXR 1.2 export of `posts` posts (and two attachments each) and their uploads.

    Like a real uploads folder: every upload an 800×533 photo with WordPress's -300x200 and
    -150x150 size files beside it. Each post has a featured photo and, in its body, that
    photo's -300x200 size, a second photo's -300x200 size linked to its full size, and on
    every other post an earlier post's -768x512 size that is not on disk (the import falls
    back to the original). 4 image files copied a post, about 160 KB.
    """
    rng = random.Random(seed)
    pool = []  # a few distinct pictures, written under every post's names
    for n in range(16):
        picture = photo(seed * 100 + n)
        pool.append(
            {
                "": jpeg_bytes(picture),
                "-300x200": jpeg_bytes(picture, (300, 200)),
                "-150x150": jpeg_bytes(picture, (150, 150)),
            }
        )
    categories = [f"Рубрика {i}" for i in range(20)]
    tags = [f"тема {i}" for i in range(500)]
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            f"<title>Bench</title><link>{SITE}</link><wp:wxr_version>1.2</wp:wxr_version>\n"
        )
        for i in range(5):
            out.write(
                f"<wp:author><wp:author_login>{cdata(f'author{i}')}</wp:author_login>"
                f"<wp:author_display_name>{cdata(f'Автор Номер {i}')}</wp:author_display_name>"
                "</wp:author>\n"
            )
        for n in range(1, posts + 1):
            post_id, image_id, scene_id = 3 * n, 3 * n + 1, 3 * n + 2
            month = f"{2010 + n % 14}/{1 + n % 12:02d}"
            folder = uploads / month
            folder.mkdir(parents=True, exist_ok=True)
            for name, picture in ((f"photo-{n}", pool[n % 16]), (f"scene-{n}", pool[(n + 7) % 16])):
                for suffix, data in picture.items():
                    (folder / f"{name}{suffix}.jpg").write_bytes(data)
            base = f"{SITE}/wp-content/uploads/{month}"
            paragraphs = [sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(3, 8))]
            paragraphs.insert(
                1, f'<img src="{base}/photo-{n}-300x200.jpg" alt="Фото {n}" width="300" />'
            )
            paragraphs.insert(
                3,
                f'<a href="{base}/scene-{n}.jpg"><img src="{base}/scene-{n}-300x200.jpg" '
                f'alt="Сцена {n}" width="300" height="200" /></a>',
            )
            if n % 2 == 0 and n > 2:
                earlier = n - 2
                paragraphs.append(
                    f'<img src="{SITE}/wp-content/uploads/{2010 + earlier % 14}/'
                    f'{1 + earlier % 12:02d}/photo-{earlier}-768x512.jpg" alt="Архів" />'
                )
            body = "\n\n".join(paragraphs)
            title = sentence(rng, 6)[:-1]
            terms = "".join(
                f'<category domain="category" nicename="r{c}">{cdata(categories[c])}</category>'
                for c in rng.sample(range(20), 2)
            ) + "".join(
                f'<category domain="post_tag" nicename="t{t}">{cdata(tags[t])}</category>'
                for t in rng.sample(range(500), 3)
            )
            meta = f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{image_id}</wp:meta_value></wp:postmeta>"
            if n % 2:
                users = rng.randint(1, 50)
                score = rng.randint(users, 5 * users)
                meta += (
                    f"<wp:postmeta><wp:meta_key>ratings_users</wp:meta_key><wp:meta_value>{users}</wp:meta_value></wp:postmeta>"
                    f"<wp:postmeta><wp:meta_key>ratings_score</wp:meta_key><wp:meta_value>{score}</wp:meta_value></wp:postmeta>"
                )
            date = f"{2010 + n % 14}-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:00"
            out.write(
                f"<item><title>{cdata(title)}</title><link>{SITE}/{date[:10].replace('-', '/')}/post-{n}/</link>"
                f"<dc:creator>{cdata(f'author{n % 5}')}</dc:creator>"
                f"<content:encoded>{cdata(body)}</content:encoded>"
                f"<excerpt:encoded>{cdata('')}</excerpt:encoded>"
                f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{date}</wp:post_date>"
                f"<wp:post_date_gmt>{date}</wp:post_date_gmt><wp:post_name>post-{n}</wp:post_name>"
                f"<wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent>"
                f"<wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>"
                f"{terms}{meta}</item>\n"
            )
            for pk, name, caption in (
                (image_id, f"photo-{n}", f"Підпис до фото {n}"),
                (scene_id, f"scene-{n}", f"Сцена {n}"),
            ):
                out.write(
                    f"<item><title>{cdata(caption)}</title><wp:post_id>{pk}</wp:post_id>"
                    f"<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
                    f"<wp:post_parent>{post_id}</wp:post_parent>"
                    f"<excerpt:encoded>{cdata(caption)}</excerpt:encoded>"
                    f"<wp:attachment_url>{base}/{name}.jpg</wp:attachment_url>"
                    f"<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>{month}/{name}.jpg</wp:meta_value></wp:postmeta>"
                    f"</item>\n"
                )
        out.write("</channel>\n</rss>\n")


def calibrate():
    """CPU seconds this machine takes for 20 million additions in a Python loop just now (a
    shared machine's speed changes with its neighbours' work)."""
    started = time.process_time()
    total = 0
    for n in range(20_000_000):
        total += n
    return time.process_time() - started


def psql(sql):
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True)


def measure(posts, workdir):
    export, uploads, media = workdir / f"export-{posts}.xml", workdir / "uploads", workdir / "media"
    shutil.rmtree(uploads, ignore_errors=True)
    shutil.rmtree(media, ignore_errors=True)
    started = time.monotonic()
    generate(export, uploads, posts)
    generated = time.monotonic() - started
    db = f"bench_wordpress_{posts}"
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(f"CREATE DATABASE {db}")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        DATABASE_URL=f"{PG}/{db}",
        REDIS_URL=REDIS,
        CACHE_KEY_PREFIX=f"bench-{db}",
        MEDIA_ROOT=str(media),
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        LOG_LEVEL="WARNING",
    )
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    floor = floors(export, uploads, workdir)
    speed = calibrate()
    result = child(env, CHILD, str(export), str(uploads))
    result["loop_s"] = speed
    result.update(child(env, RENDITIONS, str(RENDITION_SAMPLE)))
    per_image = result["sample_s"] / result["sample"]
    result.update(
        floor,
        posts=posts,
        export_mb=export.stat().st_size / 1e6,
        generated_s=generated,
        posts_per_s=posts / result["seconds"],
        media_gb=sum(f.stat().st_size for f in media.rglob("*") if f.is_file()) / 1e9,
        renditions_s=per_image * result["images"],
        renditions_per_s=1 / per_image,
    )
    result["total_posts_per_s"] = posts / (result["seconds"] + result["renditions_s"])
    psql(f"DROP DATABASE IF EXISTS {db}")
    return result


def child(env, code, *args):
    done = subprocess.run(
        [PY, "-c", code, *args], cwd=ROOT, env=env, text=True, capture_output=True
    )
    if done.returncode:  # what went wrong, not only that it did
        sys.exit(f"a step of the benchmark failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def floors(export, uploads, workdir):
    """What this machine needs at least: parse the export once with expat and nothing else,
    and copy the uploads folder with shutil (more files than the import copies)."""
    started = time.monotonic()
    parser = expat.ParserCreate(namespace_separator=" ")
    with open(export, "rb") as fh:
        parser.ParseFile(fh)
    parsed = time.monotonic() - started
    subprocess.run(["sync"], check=True)
    started = time.monotonic()
    shutil.copytree(uploads, workdir / "copy")
    copied = time.monotonic() - started
    files = sum(1 for f in uploads.rglob("*") if f.is_file())
    shutil.rmtree(workdir / "copy")
    subprocess.run(["sync"], check=True)
    return {"parse_floor_s": parsed, "copy_floor_s": copied, "upload_files": files}


def write_results(results, output):
    lines = [
        "## WordPress import",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}. `bench/wordpress_import.py`: a generated WXR 1.2 "
        "export (each post with 2 categories, 3 tags, a WP-PostRatings tally on every other "
        "post, a featured 800×533 photo of about 70 KB and in its body that photo's "
        "`-300x200` size, a second photo's `-300x200` size linked to its full size and, on "
        "every other post, an earlier photo's `-768x512` size that is not on disk and falls "
        "back to the original; the uploads copy has `-300x200` and `-150x150` files beside "
        "every photo) imported with `--media-dir` into PostgreSQL (DEBUG off, Redis cache) by "
        "`manage.py import_wordpress --skip-renditions` in a subprocess: 4 image files a post "
        "checked with Pillow (from their headers and ends) and stored (hard-linked: the "
        "uploads copy and our media folder share a file system here), everything written "
        "and committed (each batch of 500 by a writing thread while the importing one plans "
        "the next), the report printed. That is what a newsroom waits for before it "
        "checks the report and switches "
        "DNS; stories show their original image until their renditions exist. The renditions "
        f"(WebP and JPEG at 480 and 800 px) are timed on {RENDITION_SAMPLE:,} of the lead "
        "images in two worker processes and projected to all of them: the command without "
        "`--skip-renditions` makes them after the report, newest stories first. Floors: "
        "expat alone reading the export once, and shutil copying the uploads folder (what "
        "the import would cost at least if it copied the files, as it does with "
        "`--copy-media` or across file systems). The machine is shared: the load average at "
        "the end of each import, the CPU time of the import (its own process, plus its "
        "reading and image worker processes) and of its PostgreSQL backend, and how long a "
        "plain Python loop of 20 million additions took just before (the machine's speed "
        "of the moment) say how much of the two cores it had. Peak RSS is the importing "
        "process's own high-water mark (VmHWM).",
        "",
        "| posts | export | import, committed | posts/s | peak RSS | CPU, load | renditions | "
        "with renditions | floors: parse, copy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['posts']:,} | {r['export_mb']:.0f} MB | {r['seconds']:.0f} s | "
            f"{r['posts_per_s']:.0f} | {r['max_rss_mb']:.0f} MB | "
            f"{r['cpu_s'] + r['workers_cpu_s']:.0f} s, {r['load']:.1f} | {r['renditions_s']:.0f} s ({r['renditions_per_s']:.0f} images/s) | "
            f"{r['total_posts_per_s']:.0f} posts/s | {r['parse_floor_s']:.1f} s, "
            f"{r['copy_floor_s']:.0f} s ({r['upload_files']:,} files) |"
        )
    lines.append("")
    for r in results:
        per_post = {
            "importing process": r["cpu_s"],
            "reading and image workers": r["workers_cpu_s"],
            "PostgreSQL": r["pg_cpu_s"],
        }
        known = {k: v for k, v in per_post.items() if v is not None}
        split = ", ".join(f"{1000 * v / r['posts']:.1f} ms {k}" for k, v in known.items())
        lines.append(
            f"- {r['posts']:,} posts: CPU a post {split} ({1000 * sum(known.values()) / r['posts']:.1f} "
            f"ms in all, so two whole cores would do at most about "
            f"{2 * r['posts'] / sum(known.values()):.0f} posts/s); the loop of 20 million "
            f"additions took {r['loop_s']:.1f} s of CPU; peak RSS {r['max_rss_mb']:.0f} MB in the "
            f"importing process, {r['workers_rss_mb']:.0f} MB in the largest worker (forked, "
            f"sharing its pages until they change); copying the uploads folder alone took "
            f"{r['copy_floor_s']:.0f} s; the renditions take "
            f"{2000 / r['renditions_per_s']:.0f} ms of CPU an image (WebP encoding most of it), "
            f"at most about {r['renditions_per_s'] / (os.cpu_count() or 2):.0f} images/s "
            "a core."
        )
    section = "\n".join(lines) + "\n"
    path = Path(output)
    current = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    current = re.sub(r"\n## WordPress import\n.*?(?=\n## |\Z)", "", current, flags=re.S)
    path.write_text(current.rstrip("\n") + "\n\n" + section, "utf-8")
    print(section)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-wordpress-") as tmp:
        for posts in args.posts:
            result = measure(posts, Path(tmp))
            print(json.dumps(result), flush=True)
            results.append(result)
    write_results(results, args.output)


if __name__ == "__main__":
    main()
