"""import_wordpress: every old address of a post, page, category, tag and author ends on
its own new page, where our own pages have the same shape as WordPress's archives."""

import pytest
from taggit.models import Tag

from articles.models import Author
from imports.tests.wordpress import post_item, run, story, write_export

pytestmark = pytest.mark.django_db

SITE = "<wp:base_blog_url>https://example.com</wp:base_blog_url>"


def _with(item, *extra):
    return item.replace("</item>", "".join(extra) + "</item>")


def _term(domain, nicename, name):
    return f'<category domain="{domain}" nicename="{nicename}"><![CDATA[{name}]]></category>'


def _follow(client, path):
    """(status, path) where the old address ends, after at most three redirects."""
    response = client.get(path)
    for _hop in range(3):
        if response.status_code != 301:
            break
        response = client.get(response["Location"])
    return response.status_code, response.request["PATH_INFO"]


def test_a_tag_keeps_its_old_slug_and_no_other_term_takes_one(tmp_path, client):
    header = (
        SITE + "<wp:category><wp:category_nicename>markup</wp:category_nicename>"
        "<wp:cat_name>Markup</wp:cat_name></wp:category>"
        "<wp:tag><wp:tag_slug>markup-2</wp:tag_slug><wp:tag_name>markup</wp:tag_name></wp:tag>"
        "<wp:tag><wp:tag_slug>news</wp:tag_slug><wp:tag_name>Breaking</wp:tag_name></wp:tag>"
        "<wp:category><wp:category_nicename>world</wp:category_nicename>"
        "<wp:cat_name>News</wp:cat_name></wp:category>"
    )
    first = _with(
        post_item(1, "Перший", link="https://example.com/first/"),
        _term("category", "world", "News"),  # a section: its tag "News" would be /tag/news/
        _term("category", "markup", "Markup"),
    )
    second = _with(
        post_item(2, "Другий", link="https://example.com/second/"),
        _term("post_tag", "markup-2", "markup"),
        _term("post_tag", "news", "breaking"),  # the post repeats a stale name: the header's
    )
    run(write_export(tmp_path / "tags.xml", header, first, second))
    assert set(story(2).tags.names()) == {"markup", "Breaking"}
    breaking, markup = Tag.objects.get(name="Breaking"), Tag.objects.get(name="markup")
    assert (breaking.slug, markup.slug) == ("news", "markup-2")
    assert Tag.objects.get(name="News").slug not in ("news", "markup-2")
    assert _follow(client, "/tag/news/") == (200, "/tag/news/")
    assert _follow(client, "/tag/markup-2/") == (200, "/tag/markup-2/")
    assert _follow(client, "/category/markup/") == (200, _tag_path("Markup"))


def _tag_path(name):
    return f"/tag/{Tag.objects.get(name=name).slug}/"


def test_a_stray_creator_does_not_take_a_users_archive(tmp_path, client):
    header = (
        SITE + "<wp:author><wp:author_login>admin</wp:author_login>"
        "<wp:author_display_name>Site Editor</wp:author_display_name></wp:author>"
    )
    stray = _with(post_item(1, "Перший"), "<dc:creator>&gt;admin</dc:creator>")
    own = _with(post_item(2, "Другий"), "<dc:creator>admin</dc:creator>")
    export = write_export(tmp_path / "authors.xml", header, stray, own)
    export.write_text(
        export.read_text("utf-8").replace(
            "<rss ", '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        ),
        "utf-8",
    )
    run(export)
    editor = Author.objects.get(name="Site Editor")
    assert editor.slug == "admin"
    assert Author.objects.get(name=">admin").slug != "admin"
    assert _follow(client, "/author/admin/") == (200, editor.get_absolute_url())


def test_a_page_link_with_a_doubled_slash_and_a_plain_permalink(tmp_path, client):
    page = (
        "<item><title>Рівень 2</title>"
        "<link>https://example.com//greek/level-2/</link><wp:post_id>30</wp:post_id>"
        "<wp:post_type>page</wp:post_type><wp:status>publish</wp:status>"
        "<content:encoded>Сторінка.</content:encoded></item>"
    )
    post = post_item(10, "Допис", link="https://example.com/path/?p=1")
    run(write_export(tmp_path / "links.xml", SITE, page, post))
    assert _follow(client, "/greek/level-2/") == (200, "/greek/level-2/")
    assert _follow(client, "/?page_id=30") == (200, "/greek/level-2/")
    assert _follow(client, "/path/?p=1") == (200, story(10).get_absolute_url())


@pytest.mark.parametrize("renamed_first", [True, False])
def test_a_posts_address_wins_over_another_posts_old_slug(tmp_path, client, renamed_first):
    renamed = post_item(
        1, "Перейменований", link="https://example.com/renamed/", meta=[("_wp_old_slug", "hello")]
    )
    current = post_item(2, "Привіт", link="https://example.com/hello/")
    items = (renamed, current) if renamed_first else (current, renamed)
    run(write_export(tmp_path / "slugs.xml", SITE, *items))
    assert _follow(client, "/hello/") == (200, story(2).get_absolute_url())
    assert _follow(client, "/renamed/") == (200, story(1).get_absolute_url())


def test_archives_of_english_posts_lead_to_the_english_edition(tmp_path, client):
    english = _with(
        post_item(1, "Released", link="https://example.com/released/"),
        _term("language", "en", "English"),
        _term("category", "releases", "Releases"),
        _term("post_tag", "parch", "parch"),
    )
    run(write_export(tmp_path / "english.xml", SITE, english), skip_related=True)
    assert story(1).language == "en"
    assert _follow(client, "/category/releases/") == (200, "/en/section/releases/")
    assert _follow(client, "/tag/parch/") == (200, "/en/tag/parch/")


def test_a_category_of_no_public_story_leads_to_its_tag(tmp_path, client):
    scheduled = _with(
        post_item(1, "Заплановано", date="2099-01-01 10:00:00"),
        _term("category", "unpublished", "Unpublished"),
    )
    public = _with(
        post_item(2, "Вийшло"),
        _term("category", "general", "General"),
        _term("category", "unpublished", "Unpublished"),
        _term("category", "foo-a", "Foo A"),
        _term("category", "foo-a-child", "Foo A"),  # one name under two parents: two terms
    )
    run(write_export(tmp_path / "categories.xml", SITE, scheduled, public))
    assert _follow(client, "/category/unpublished/") == (200, _tag_path("Unpublished"))
    assert _follow(client, "/category/foo-a/") == (200, _tag_path("Foo A"))
    assert _follow(client, "/category/foo-a-child/") == (200, _tag_path("Foo A"))
