"""Every story's lead image becomes a picture of the library (one per distinct file's bytes).

The files stay where they are; the library's image points at the same file. The WebP and
JPEG copies already made serve as the story's picture until a worker makes the new
renditions (`manage.py requeue_renditions`, run by `make run` and `make serve`).
"""

import hashlib

from django.core.files.storage import default_storage
from django.db import migrations
from PIL import Image as PILImage

RENDITIONS_VERSION = 1  # images.models.RENDITIONS_VERSION when this was written


def file_facts(name):
    """(sha256, size, width, height) of a stored file, or None when it is not there."""
    try:
        with default_storage.open(name) as fh:
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(chunk)
            fh.seek(0)
            with PILImage.open(fh) as probe:
                width, height = probe.size
                if probe.getexif().get(0x0112, 1) in {5, 6, 7, 8}:
                    width, height = height, width
        return digest.hexdigest(), default_storage.size(name), width, height
    except (OSError, ValueError, SyntaxError):
        return None


def legacy_to_library(renditions):
    """The old {width: entry} copies as the library's {"story": [...], "standin": ...}."""
    if "story" in (renditions or {}) or "standin" in (renditions or {}):
        return renditions  # already the library's
    entries = sorted(
        (e for e in (renditions or {}).values() if isinstance(e, dict) and "width" in e),
        key=lambda e: e["width"],
    )
    if not entries:
        return {}
    small = {key: entries[0][key] for key in ("width", "height", "jpg")}
    return {"story": entries, "standin": {"story": small}}


def wanted_key(content_hash, name):
    basis = f"{content_hash or name}|{0.5:.3f}|{0.5:.3f}|{RENDITIONS_VERSION}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    by_key = {}
    stories = Article.objects.exclude(lead_image="").order_by("pk")
    for article in stories.iterator(chunk_size=500):
        name = article.lead_image.name
        facts = file_facts(name)
        digest, size = (facts[0], facts[1]) if facts else ("", 0)
        key = digest or name
        image = by_key.get(key)
        if image is None and digest:
            image = Image.objects.filter(content_hash=digest).first()
        if image is None:
            renditions = legacy_to_library(article.lead_image_renditions)
            image = Image.objects.create(
                file=name,
                alt=article.lead_image_alt or article.title[:300],
                caption=article.lead_image_caption,
                credit=article.lead_image_credit,
                width=facts[2] if facts else article.lead_image_width or 0,
                height=facts[3] if facts else article.lead_image_height or 0,
                file_size=size,
                content_hash=digest,
                wanted_key=wanted_key(digest, name),
                renditions=renditions,
            )
        by_key[key] = image
        Article.objects.filter(pk=article.pk).update(
            picture=image, lead_image_renditions=image.renditions
        )


def backwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    Article.objects.update(picture=None)
    Image.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_article_picture"),
        ("images", "0001_library"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
