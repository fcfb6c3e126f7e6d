"""import_wordpress keeps what a post says beside its text: Gutenberg footnotes (in the
post's meta) and every Co-Authors Plus author of its byline; and text a browser would hide
behind a stray "<"."""

import pytest

from imports.tests.wordpress import post_item, run, story, write_export

pytestmark = pytest.mark.django_db

NOTES = (
    '[{"id":"aa-1","content":"A note with <em>weight</em>"},{"id":"bb-2","content":"Another note"}]'
)


def _reference(note_id, number):
    return (
        f'<sup data-fn="{note_id}" class="fn"><a href="#{note_id}" id="{note_id}-link">'
        f"{number}</a></sup>"
    )


def _footnoted_post(post_id, body):
    return post_item(
        post_id, f"Допис {post_id}", meta=[("footnotes", f"<![CDATA[{NOTES}]]>")]
    ).replace(f"Текст Допис {post_id}.", body)


def test_footnotes_are_listed_where_the_block_was_and_linked_both_ways(tmp_path, client):
    body = (
        f"<!-- wp:paragraph --><p>First{_reference('aa-1', 1)}.</p><!-- /wp:paragraph -->"
        f"<!-- wp:paragraph --><p>Second{_reference('bb-2', 2)}.</p><!-- /wp:paragraph -->"
        "<!-- wp:footnotes /--><!-- wp:paragraph --><p>After the notes.</p><!-- /wp:paragraph -->"
    )
    out = run(write_export(tmp_path / "notes.xml", _footnoted_post(1, body)))
    news = story(1).body
    assert '<p>First<sup id="fnref-1"><a href="#fn-1"' in news
    assert '<sup id="fnref-2"><a href="#fn-2"' in news
    assert '<li id="fn-1">A note with <em>weight</em> <a href="#fnref-1"' in news
    assert '<li id="fn-2">Another note <a href="#fnref-2"' in news
    assert news.index("Another note") < news.index("After the notes.")
    assert "footnotes" not in out  # nothing reported lost
    page = client.get(story(1).get_absolute_url()).content.decode()
    assert 'id="fn-2"' in page and 'href="#fnref-2"' in page


def test_footnotes_without_their_block_follow_the_text(tmp_path):
    body = f"Classic text{_reference('aa-1', 1)}, and a reference to nothing{_reference('zz', 9)}."
    run(write_export(tmp_path / "notes.xml", _footnoted_post(1, body)))
    news = story(1).body
    assert '<sup id="fnref-1"><a href="#fn-1"' in news and "<sup>9</sup>" in news
    assert news.rstrip().endswith("</ol>") and 'id="fn-2"' in news


def test_footnote_ids_are_ours_whatever_the_export_names(tmp_path):
    body = '<p id="csrf">Text<sup id="main">1</sup></p><ol><li id="fn-1x">x</li></ol>'
    run(write_export(tmp_path / "ids.xml", post_item(1, "Допис 1").replace("Текст Допис 1.", body)))
    assert " id=" not in story(1).body


def _co_authored(post_id, *authors, creator="alice"):
    terms = "".join(
        f'<category domain="author" nicename="cap-{slug}"><![CDATA[{login}]]></category>'
        for slug, login in authors
    )
    item = post_item(post_id, f"Допис {post_id}")
    return item.replace("</item>", f"{terms}<dc:creator>{creator}</dc:creator></item>")


def test_every_co_author_is_in_the_byline_in_order_and_their_archives_redirect(tmp_path, client):
    channel = (
        "<wp:author><wp:author_login>alice</wp:author_login>"
        "<wp:author_display_name>Alice Smith</wp:author_display_name></wp:author>"
        "<wp:author><wp:author_login>bob</wp:author_login>"
        "<wp:author_display_name>Bob Jones</wp:author_display_name></wp:author>"
    )
    guest = (
        "<item><title>Olena Guest</title><wp:post_id>50</wp:post_id>"
        "<wp:post_type>guest-author</wp:post_type><wp:status>publish</wp:status>"
        "<wp:post_name>cap-olena-guest</wp:post_name><wp:postmeta><wp:meta_key>"
        "cap-display_name</wp:meta_key><wp:meta_value>Олена Гостьова</wp:meta_value>"
        "</wp:postmeta></item>"
    )
    post = _co_authored(
        1, ("bob", "bob"), ("alice", "alice"), ("olena-guest", "olena-guest"), ("bob", "bob")
    )
    export = write_export(tmp_path / "cap.xml", channel, guest, post)
    export.write_text(
        export.read_text("utf-8").replace(
            "<rss ", '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        ),
        "utf-8",
    )
    out = run(export)
    authors = {a.name: a for a in story(1).authors.all()}
    assert sorted(authors) == ["Alice Smith", "Bob Jones", "Олена Гостьова"]
    assert "guest authors (Co-Authors Plus): names brought into the bylines" in out
    for slug, name in (
        ("bob", "Bob Jones"),
        ("alice", "Alice Smith"),
        ("olena-guest", "Олена Гостьова"),
    ):
        # each author is made under their old archive's slug: the old address is their page
        assert authors[name].get_absolute_url() == f"/author/{slug}/"
        response = client.get(f"/author/{slug}/")
        assert response.status_code == 200, slug
        assert name in response.content.decode()
    page = client.get(story(1).get_absolute_url()).content.decode()
    assert all(name in page for name in authors)


def test_a_stray_less_than_keeps_the_text_after_it(tmp_path):
    body = "A single integer f (0<f<20), the number of farmers. If (a<b) swap; <o:p></o:p>end"
    run(write_export(tmp_path / "lt.xml", post_item(1, "Допис 1").replace("Текст Допис 1.", body)))
    news = story(1).body
    assert "(0&lt;f&lt;20), the number of farmers" in news
    assert "If (a&lt;b) swap;" in news and "end" in news and "o:p" not in news
