"""The story page: reading time, bylines with photo and bio, share links, Other news items."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from articles import services, text
from demo.management.commands.seed_demo import demo_image
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db


def test_reading_time_counts_the_words_of_the_text():
    assert text.reading_minutes("<p>" + "слово " * 10 + "</p>") == 1
    assert text.reading_minutes("<p>" + "слово " * 401 + "</p>") == 3
    assert text.reading_minutes("") == 1


def test_reading_time_counts_words_not_markup():
    body = '<p>одне <a href="/news/x/" title="два три">два</a></p><ul><li>три</li></ul>'
    assert len(text.sanitized_html_to_text(body).split()) == 3
    assert text.reading_minutes(body * 100) == 2  # 300 words


def test_a_story_address_follows_its_slug_and_edition(article):
    assert article.get_absolute_url() == "/news/yevropa/"
    article.slug = "yevropa-2"
    assert article.get_absolute_url() == "/news/yevropa-2/"
    article.language = "en"
    assert article.get_absolute_url() == "/en/news/yevropa-2/"


def test_an_author_address_follows_the_slug_and_the_edition_being_served(db):
    author = AuthorFactory(name="Олена Ткач", slug="olena")
    uk = author.get_absolute_url()
    with translation.override("en"):
        en = author.get_absolute_url()
    author.slug = "olena-tkach"
    assert (uk, en, author.get_absolute_url()) == (
        "/author/olena/",
        "/en/author/olena/",
        "/author/olena-tkach/",
    )


def test_the_story_shows_its_reading_time_and_an_absolute_date_for_the_script(client, article):
    article.body = "<p>" + "слово " * 450 + "</p>"
    article.published_at = "2026-11-29T06:05:00+00:00"
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "3 хв читання" in html
    # the stored page says the absolute time: "today" would go stale in the cache
    stamp = r'<time datetime="2026-11-29T08:05:00\+02:00" data-relative>29 листопада'
    assert re.search(stamp, html)
    assert 'data-today="сьогодні" data-yesterday="вчора"' in html


def test_a_byline_shows_the_authors_photo_square_and_bio(client, article):
    author = AuthorFactory(name="Юлія Згурська-Ґонта", bio="Пише про енергетику.")
    author.photo.save("portrait.jpg", ContentFile(demo_image(5, 600, 900)), save=False)
    services.save_author(author=author)
    assert author.photo_thumbnail.endswith("-192sq.jpg")
    article.authors.set([author])
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="byline"' in html and "Пише про енергетику." in html
    assert author.photo_thumbnail in html
    # saving again without a new photo keeps the copy
    kept = author.photo_thumbnail
    services.save_author(author=author)
    assert author.photo_thumbnail == kept


def test_an_author_without_photo_or_bio_gets_no_byline_box(client, article):
    article.authors.set([AuthorFactory(name="Олена Коваль")])
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Олена Коваль" in html and 'class="byline"' not in html


def test_share_links_are_plain_links_with_the_canonical_address(client, article, settings):
    html = client.get(article.get_absolute_url()).content.decode()
    links = dict(re.findall(r'class="share-(\w+)" href="([^"]+)"', html))
    assert set(links) == {"telegram", "viber", "facebook", "x", "email"}
    canonical = settings.SITE_URL + article.get_absolute_url()
    telegram = parse_qs(urlsplit(links["telegram"].replace("&amp;", "&")).query)
    assert telegram["url"] == [canonical] and telegram["text"] == [article.title]
    assert parse_qs(urlsplit(links["facebook"]).query)["u"] == [canonical]
    assert links["viber"].startswith("viber://forward?text=")
    assert links["email"].startswith("mailto:?subject=")
    assert "<script" not in html.split('class="share"')[1].split("</nav>")[0]


def test_other_news_items_carry_their_date_and_a_thumbnail(client, article):
    with_image = ArticleFactory(section=article.section, title="З картинкою")
    with_image.lead_image.save("p.jpg", ContentFile(demo_image(2, 900, 600)), save=False)
    with_image.lead_image_alt = "Опис"
    services.save_story(article=with_image)
    ArticleFactory(section=article.section, title="Без картинки")
    html = client.get(article.get_absolute_url()).content.decode()
    block = html.split('class="related"')[1].split("</section>")[0]
    assert block.count('class="related-date"') == 2
    thumbs = re.findall(r'<img class="related-thumb" src="([^"]+)"', block)
    # the card crop's stand-in until a worker makes the renditions, never the original
    assert len(thumbs) == 1 and "/renditions/library/" in thumbs[0] and "standin-card" in thumbs[0]


PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
POST = "1790000000000000000"


@pytest.mark.parametrize(
    ("address", "provider", "frame"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", PLAYER),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube", PLAYER),
        (
            "https://t.me/ukrpravda_news/12345",
            "telegram",
            "https://t.me/ukrpravda_news/12345?embed=1",
        ),
        (
            f"https://twitter.com/Ukraine/status/{POST}",
            "x",
            f"https://platform.twitter.com/embed/Tweet.html?id={POST}",
        ),
    ],
)
def test_a_lone_link_to_a_video_or_post_becomes_a_facade(client, article, address, provider, frame):
    article.body = f'<p>Вступ.</p><p><a href="{address}">{address}</a></p><p>Далі.</p>'
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'class="embed embed-{provider}" data-embed-src="{frame}"' in html
    assert "<iframe" not in html and '<script src="http' not in html


def test_a_link_inside_a_sentence_and_other_hosts_stay_links(client, article):
    article.body = (
        '<p>Дивіться <a href="https://youtu.be/dQw4w9WgXcQ">відео</a> тут.</p>'
        '<p><a href="https://example.com/video">https://example.com/video</a></p>'
    )
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="embed' not in html and "https://example.com/video" in html


def test_the_policy_frames_only_the_players_of_embeds(client, article):
    from articles.embeds import FRAME_HOSTS

    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]
    frames = next(p for p in policy.split("; ") if p.startswith("frame-src"))
    assert sorted(frames.split()[1:]) == sorted(FRAME_HOSTS)
    assert "script-src 'self'" in policy


def gallery_body():
    """A text with a gallery: three pictures in a row, each with its caption."""
    figures = []
    for number, caption in enumerate(["Майдан уранці", "Хрещатик", "Поділ увечері"], 1):
        name = default_storage.save(
            f"inline/kyiv-{number}.jpg", ContentFile(demo_image(number, 640, 420))
        )
        url = default_storage.url(name)
        figures.append(
            f'<figure><img src="{url}" alt="Київ, фото {number}" width="640" height="420">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    return "<p>Київ готується до свята.</p>" + "".join(figures) + "<p>Кінець.</p>", figures


def test_a_gallery_in_the_text_keeps_its_pictures_and_captions_in_order(client, article):
    body, figures = gallery_body()
    article.body = body
    services.save_story(article=article)

    html = client.get(article.get_absolute_url()).content.decode()

    # each picture with its caption, unchanged and in order, the run of them a gallery
    assert f'<p>Київ готується до свята.</p><div class="gallery">{"".join(figures)}</div>' in html
    shown = re.findall(r"<figure>.*?</figure>", html)
    assert shown == figures
    assert [re.search(r"<figcaption>(.*?)<", figure).group(1) for figure in shown] == [
        "Майдан уранці",
        "Хрещатик",
        "Поділ увечері",
    ]
    for figure in shown:
        src = re.search(r'src="([^"]+)"', figure).group(1)
        assert client.get(src).status_code == 200


def test_a_lone_picture_and_embeds_are_no_gallery(client, article):
    _body, figures = gallery_body()
    article.body = (
        f"<p>Вступ.</p>{figures[0]}<p>Далі.</p>"
        '<p><a href="https://youtu.be/dQw4w9WgXcQ">https://youtu.be/dQw4w9WgXcQ</a></p>'
        '<p><a href="https://t.me/ukrpravda_news/1">https://t.me/ukrpravda_news/1</a></p>'
    )
    services.save_story(article=article)
    html = client.get(article.get_absolute_url()).content.decode()
    assert figures[0] in html and 'class="gallery"' not in html
    assert html.count('class="embed embed-') == 2


def test_a_gallery_sent_from_the_editor_is_cleaned_but_keeps_its_figures(editor_client, section):
    from django.urls import reverse

    from articles.models import Article
    from articles.tests.test_admin import story_form

    body, figures = gallery_body()
    hostile = body.replace("<figure>", '<figure class="x" onclick="alert(1)">', 1)
    response = editor_client.post(
        reverse("admin:articles_article_add"), story_form(section, body=hostile)
    )
    assert response.status_code == 302
    stored = Article.objects.get().body
    # each picture is now the library's (the files of ours joined it), alt and caption kept
    kept = re.findall(r'<figure><img src="([^"]+)" (alt="[^"]*")>(.*?)</figure>', stored)
    sent = [re.search(r'(alt="[^"]*").*?>(<figcaption>.*?)</figure>', f).groups() for f in figures]
    assert [(alt, caption) for _src, alt, caption in kept] == sent
    assert all("/renditions/library/" in src for src, _alt, _caption in kept)
    assert "onclick" not in stored and "class=" not in stored
