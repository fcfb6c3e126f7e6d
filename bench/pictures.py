#!/usr/bin/env python
"""Benchmark: the picture library's three targets, side by side with what they replace.

1. Bytes of the story's main picture sent to a phone (the 800 px story rendition a
   390 px-wide, 2x screen picks from the srcset): AVIF at the quality whose SSIM matches
   today's WebP (quality 80), against that WebP. SSIM is computed here on luminance over
   8×8 blocks, of each encoding against the same resized picture.
2. Server CPU of the admin's save of a story with a new 24-megapixel photo (renditions
   queued), against the save that made the renditions inline (the code before the
   library: every rendition in the request), in the same process one after the other.
3. Peak memory (VmHWM) of a worker process making every rendition of that photo, and a
   decompression bomb refused.

The photo is generated (no photo ships with the project): 6000×4000, smooth gradients,
grain and shapes, saved as a phone does (JPEG, EXIF orientation and GPS). Real photos
compress differently; the comparison is between encoders on the same pixels.

    .venv/bin/python bench/pictures.py
"""

import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = (6000, 4000)


def photo_like(size=SIZE, seed=7):
    """A photo-like 24-megapixel picture: gradients, shapes at several scales, grain."""
    rng = random.Random(seed)
    small = (size[0] // 8, size[1] // 8)
    ramp = Image.linear_gradient("L").resize(small)
    texture = Image.effect_noise((small[0] // 6, small[1] // 6), 50).resize(
        small, Image.Resampling.BICUBIC
    )
    base = Image.merge("RGB", (ramp, texture, ramp.rotate(90).resize(small)))
    draw = ImageDraw.Draw(base)
    for _ in range(120):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        box = (x, y, x + rng.randint(4, 120), y + rng.randint(4, 120))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    base = base.filter(ImageFilter.GaussianBlur(1.2)).resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 10).convert("RGB")
    picture = Image.blend(base, grain, 0.08)
    draw = ImageDraw.Draw(picture)
    for _ in range(400):  # sharp detail: what a real photo's edges cost an encoder
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.line(
            (x, y, x + rng.randint(-300, 300), y + rng.randint(-300, 300)),
            width=3,
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    return picture


def phone_jpeg(picture):
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x0110] = "Phone 15"
    exif[0x8825] = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88, exif=exif.tobytes())
    return buffer.getvalue()


def ssim(a, b):
    """Mean SSIM of two same-sized pictures' luminance over 8×8 blocks."""
    a, b = a.convert("L"), b.convert("L")
    width, height = a.size
    da, db = a.tobytes(), b.tobytes()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    total, count = 0.0, 0
    for top in range(0, height - 7, 8):
        for left in range(0, width - 7, 8):
            xs, ys = [], []
            for row in range(top, top + 8):
                start = row * width + left
                xs.extend(da[start : start + 8])
                ys.extend(db[start : start + 8])
            mx, my = sum(xs) / 64, sum(ys) / 64
            vx = sum((x - mx) ** 2 for x in xs) / 63
            vy = sum((y - my) ** 2 for y in ys) / 63
            cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / 63
            total += ((2 * mx * my + c1) * (2 * cov + c2)) / (
                (mx * mx + my * my + c1) * (vx + vy + c2)
            )
            count += 1
    return total / count


def encoded(picture, fmt, **options):
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as back:
        back.load()
        return data, back.convert("RGB")


def phone_bytes(picture):
    """Today's WebP against AVIF at equal SSIM, for the 800 px story picture."""
    from images.renditions import ENCODERS

    phone = picture.resize((800, 533), Image.Resampling.LANCZOS, reducing_gap=3.0)
    webp, webp_back = encoded(phone, "WEBP", quality=80)
    target = ssim(phone, webp_back)
    rows = []
    for quality in range(40, 95, 2):
        avif, avif_back = encoded(
            phone, "AVIF", quality=quality, speed=ENCODERS["avif"][1]["speed"]
        )
        score = ssim(phone, avif_back)
        rows.append((quality, len(avif), score))
        if score >= target:
            break
    quality, size, score = rows[-1]
    used = ENCODERS["avif"][1]["quality"]
    at_used = encoded(phone, "AVIF", **ENCODERS["avif"][1])
    return {
        "webp_bytes": len(webp),
        "webp_ssim": target,
        "avif_quality": quality,
        "avif_bytes": size,
        "avif_ssim": score,
        "saving": 1 - size / len(webp),
        "site_quality": used,
        "site_bytes": len(at_used[0]),
        "site_ssim": ssim(phone, at_used[1]),
    }


def setup_django(tmp):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        MEDIA_ROOT=f"{tmp}/media",
        TASKS_BACKEND="database",
        LOG_LEVEL="ERROR",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def admin_save_cpu(data, runs=3):
    """Process CPU of the admin's add-story request with a new photo, and of the old path."""
    from django.contrib.auth.models import Group, User
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from articles.images import make_renditions
    from articles.models import Section
    from images.cleaning import clean_original

    section = Section.objects.create(name="Світ", slug="svit")
    user = User.objects.create_user("bench", password="x", is_staff=True, is_superuser=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    now = []
    for run in range(runs):
        # a comment segment makes each run's bytes new to the library
        comment = f"run {run}".encode()
        unique = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
        form = {
            "title": f"Новина {run}",
            "slug": "",
            "section": section.pk,
            "authors": [],
            "tags": "",
            "source": "",
            "teaser": "",
            "body": "<p>Текст.</p>",
            "status": "published",
            "published_at_0": "2026-12-01",
            "published_at_1": "10:00:00",
            "lead_image_alt": "Фото",
            "lead_image_caption": "",
            "lead_image_credit": "",
            "lead_image": SimpleUploadedFile(f"photo{run}.jpg", unique, "image/jpeg"),
        }
        for inline in ("related_links", "neighbour_choices", "notices"):
            form |= {
                f"{inline}-TOTAL_FORMS": "0",
                f"{inline}-INITIAL_FORMS": "0",
                f"{inline}-MIN_NUM_FORMS": "0",
                f"{inline}-MAX_NUM_FORMS": "1000",
            }
        start = time.process_time()
        response = client.post("/admin/articles/article/add/", form)
        now.append(time.process_time() - start)
        assert response.status_code == 302, response.content[:2000]
    before = []
    for run in range(runs):
        name = default_storage.save(f"lead/old{run}.jpg", ContentFile(data))
        start = time.process_time()
        make_renditions(clean_original(name))
        before.append(time.process_time() - start)
    return min(now), min(before)


WORKER = """
import os, sys, django
django.setup()
from images.models import Image
from images.tasks import make_renditions
image = Image.objects.get()
print(make_renditions.call(image.pk, image.wanted_key))
for line in open("/proc/self/status"):
    if line.startswith(("VmHWM", "VmRSS")):
        print(line.strip())
"""


def worker_peak(tmp):
    """Peak RSS of a fresh worker process making one picture's renditions."""
    from images.models import Image

    image = Image.objects.order_by("-pk").first()
    env = dict(os.environ)
    start = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER.replace("Image.objects.get()", f"Image.objects.get(pk={image.pk})"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    end = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    peak_kb = int(lines["VmHWM"].split()[0])
    return (
        done.stdout.splitlines()[0],
        peak_kb / 1024,
        (end.ru_utime + end.ru_stime) - (start.ru_utime + start.ru_stime),
    )


def bomb_refused():
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from images import services

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    try:
        services.add_image(file=SimpleUploadedFile("bomb.png", buffer.getvalue()), alt="x")
    except ValidationError as exc:
        return f"refused ({len(buffer.getvalue())} bytes, 400 megapixels): {exc.messages[0]}"
    return "NOT refused"


def main():
    picture = photo_like()
    data = phone_jpeg(picture)
    print(f"photo: {SIZE[0]}×{SIZE[1]} JPEG, {len(data) / 1e6:.1f} MB")
    phone = phone_bytes(picture)
    webp = f"WebP q80 {phone['webp_bytes']:,} B (SSIM {phone['webp_ssim']:.4f})"
    avif = (
        f"AVIF q{phone['avif_quality']} {phone['avif_bytes']:,} B (SSIM {phone['avif_ssim']:.4f})"
    )
    site = f"the site's AVIF q{phone['site_quality']}: {phone['site_bytes']:,} B"
    print(f"1. phone, 800 px story picture: {webp}; at equal SSIM {avif}: ", end="")
    print(f"{phone['saving']:.0%} smaller; {site}")
    with tempfile.TemporaryDirectory(prefix="bench-pictures-") as tmp:
        setup_django(tmp)
        now, before = admin_save_cpu(data)
        print(
            f"2. admin save with a new 24 MP photo, CPU of the request: {now * 1000:.0f} ms ",
            end="",
        )
        print(f"(renditions queued); the same work inline, as before: {before * 1000:.0f} ms more")
        result, peak, cpu = worker_peak(tmp)
        print(
            f"3. worker making its renditions: peak RSS {peak:.0f} MB, CPU {cpu:.1f} s ({result})"
        )
        print(f"   decompression bomb: {bomb_refused()}")


if __name__ == "__main__":
    main()
