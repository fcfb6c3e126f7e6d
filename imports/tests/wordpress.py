"""Shared helpers of the WordPress import tests: the fixtures' exports, images, running
the command, a snapshot of what it wrote, small exports written in a test."""

from pathlib import Path

from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.core.management import call_command
from PIL import Image
from taggit.models import TaggedItem

from articles.models import Article, WordPressImage
from ratings.models import Score

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
THEME = FIXTURES / "theme-unit-test.xml"
UKRAINIAN = FIXTURES / "ukrainian-news.xml"
UPLOADS = [
    "2013/03/featured.jpg",
    "2013/03/boat.jpg",
    "2013/03/canola.jpg",
    "2023/11/kyiv.jpg",
    "2023/11/rada.jpg",
    "2023/11/brussels.jpg",
]


def make_image(path, size=(64, 48), fmt="JPEG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 120, 40)).save(path, fmt)


def run(*files, **options):
    """Run the command; return what it printed."""
    from io import StringIO

    out = StringIO()
    call_command("import_wordpress", *map(str, files), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def story(wordpress_id):
    return Article.objects.get(wordpress__wordpress_id=wordpress_id)


def snapshot():
    return {
        "articles": list(
            Article.objects.order_by("pk").values_list(
                "pk", "title", "slug", "body", "status", "published_at", "updated_at", "lead_image"
            )
        ),
        "redirects": sorted(Redirect.objects.values_list("old_path", "new_path")),
        "tags": TaggedItem.objects.count(),
        "pages": list(FlatPage.objects.order_by("pk").values_list("url", "title", "content")),
        "scores": sorted(Score.objects.values_list("object_id", "count", "total", "revision")),
        "images": WordPressImage.objects.count(),
    }


def write_export(path, *items):
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        + "".join(items)
        + "</channel></rss>",
        "utf-8",
    )
    return path


def post_item(post_id, title, *, date="2024-01-02 10:00:00", link="", meta=()):
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value>{v}</wp:meta_value>"
        "</wp:postmeta>"
        for k, v in meta
    )
    return (
        f"<item><title>{title}</title><link>{link}</link><wp:post_id>{post_id}</wp:post_id>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        f"<wp:post_date_gmt>{date}</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[Текст {title}.]]></content:encoded>{metas}</item>"
    )
