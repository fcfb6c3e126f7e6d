"""Text answers are compressed for readers and crawlers that take gzip: stored pages from
pieces compressed once, everything else by Django's GZipMiddleware; static files have
Brotli and gzip copies."""

import gzip

import pytest
from django.core.management import call_command
from django.test import Client
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from articles.delivery import compression
from ratings.services import Voter, cast_vote
from tests.factories import ArticleFactory

GZIP = {"Accept-Encoding": "gzip, br"}


@examples(max_examples=60, deadline=None)
@given(head=st.binary(min_size=200), live=st.binary(max_size=3000), tail=st.binary())
def test_kept_pieces_and_a_live_part_make_one_gzip_stream_any_reader_takes(head, live, tail):
    kept = compression.pieces(head, tail)
    assert gzip.decompress(compression.gzip_page(kept, head, live, tail)) == head + live + tail


def test_a_page_of_html_is_compressed_to_a_fraction():
    story = "<p class=story>Новини дня</p>\n".encode()
    head = b"<!DOCTYPE html><html><body>" + story * 400
    kept = compression.pieces(head, b"</body></html>\n")
    body = compression.gzip_page(kept, head, b"<section>4,5</section>", b"</body></html>\n")
    assert len(body) < len(head) / 10


@pytest.mark.django_db
def test_a_story_page_is_gzipped_cold_and_warm_with_its_live_score(article):
    plain = Client().get(article.get_absolute_url())
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"]
    cast_vote(target=article, field="rating", voter=Voter(cookie_id="a" * 32), score=4)
    for _ in range(2):  # rendered, then from the page cache
        packed = Client().get(article.get_absolute_url(), headers=GZIP)
        assert packed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed["Vary"]
        html = gzip.decompress(packed.content).decode()
        assert article.title in html and "1 голос" in html and html.endswith("</html>\n")
        assert len(packed.content) < len(html.encode()) / 2.5
    assert packed["ETag"] != Client().get(article.get_absolute_url())["ETag"]
    again = Client().get(
        article.get_absolute_url(), headers={**GZIP, "If-None-Match": packed["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/feed/", "/sitemap-articles.xml", "/news/no-such/"])
def test_home_feeds_sitemaps_and_errors_are_compressed(section, url):
    ArticleFactory.create_batch(8, section=section)
    for _ in range(2):
        response = Client().get(url, headers=GZIP)
        assert response["Content-Encoding"] == "gzip", url
        assert gzip.decompress(response.content).startswith((b"<!DOCTYPE html", b"<?xml"))


@pytest.mark.django_db
def test_a_client_that_refuses_gzip_gets_plain_text(article):
    for _ in range(2):
        response = Client().get(article.get_absolute_url(), headers={"Accept-Encoding": "gzip;q=0"})
        assert "Content-Encoding" not in response
        assert article.title in response.content.decode()


def test_static_files_get_brotli_and_gzip_copies(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    scripts = list((tmp_path / "static" / "js").glob("site.*.js"))
    assert scripts and all(
        script.with_name(script.name + ".br").exists()
        and script.with_name(script.name + ".gz").exists()
        for script in scripts
    )
