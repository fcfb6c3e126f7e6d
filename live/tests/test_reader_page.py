"""The live page readers get: entries newest first, key events pinned, anchors, order."""

import json

import pytest

from live.models import LiveEntry

pytestmark = pytest.mark.django_db


def test_the_page_shows_entries_newest_first_with_anchors(client, live_story, post):
    first = post("Перший запис.")
    second = post("Другий запис.", headline="Заголовок запису")
    page = client.get(live_story.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(f'id="entry-{second.pk}"') < html.index(f'id="entry-{first.pk}"')
    assert "Заголовок запису" in html and "Перший запис." in html
    assert f'href="/live/entry/{first.pk}/"' in html


def test_oldest_first_on_request(client, live_story, post):
    first, second = post("Перший."), post("Другий.")
    html = client.get(live_story.get_absolute_url() + "?order=oldest").content.decode()
    assert html.index(f'id="entry-{first.pk}"') < html.index(f'id="entry-{second.pk}"')
    assert client.get(live_story.get_absolute_url() + "?order=sideways").status_code == 404


def test_a_key_event_is_pinned_above_the_entries(client, live_story, post):
    key = post("Головне за день.", key_event=True)
    post("Звичайний запис.")
    html = client.get(live_story.get_absolute_url()).content.decode()
    assert html.index(f'id="pinned-{key.pk}"') < html.index("data-live-entries")
    assert f'id="entry-{key.pk}"' in html


def test_the_page_polls_while_the_coverage_runs(client, live_story, coverage):
    html = client.get(live_story.get_absolute_url()).content.decode()
    assert "data-live " in html and "js/live.js" in html
    assert f'data-poll-url="/live/{live_story.pk}/since/0/"' in html


def test_a_closed_page_does_not_poll(client, live_story, coverage, desk_editor):
    from live import services

    services.close_coverage(coverage=coverage, user=desk_editor)
    html = client.get(live_story.get_absolute_url()).content.decode()
    assert "js/live.js" not in html and "data-poll-url" not in html
    assert "Трансляцію завершено" in html


def test_the_fragment_holds_the_entries_since_a_revision(client, live_story, post):
    start = post("Раз.").revision
    second = post("Два.")
    data = client.get(f"/live/{live_story.pk}/since/{start}/").json()
    assert [item["id"] for item in data["entries"]] == [second.pk]
    assert "Два." in data["entries"][0]["html"]
    assert data["running"] is True and data["revision"] == start + 1


def test_nothing_new_is_an_empty_fragment(client, live_story, post, django_assert_num_queries):
    post("Раз.")
    revision = LiveEntry.objects.get().revision
    client.get(f"/live/{live_story.pk}/since/{revision}/")  # the content state, once
    with django_assert_num_queries(1):
        response = client.get(f"/live/{live_story.pk}/since/{revision}/")
    assert json.loads(response.content)["entries"] == []
    assert "s-maxage" in response["Cache-Control"]
    assert client.get(f"/live/{live_story.pk}/since/{revision + 1}/").status_code == 404


def test_an_entry_link_opens_the_page_at_the_entry(client, live_story, post):
    entry = post("Запис для поширення.")
    response = client.get(f"/live/entry/{entry.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{live_story.get_absolute_url()}#entry-{entry.pk}"


@pytest.mark.parametrize(
    "path",
    [
        "/live/entry/99999999999999999999999/",
        "/live/99999999999999999999/since/0/",
        "/live/1/since/99999999999999999999/",
        "/live/99999999999999999999/feed/",
        "/news/viina-onlain/?before=99999999999999999999",
        "/news/viina-onlain/?before=abc",
        "/news/viina-onlain/?before=424242",
    ],
)
def test_made_up_addresses_are_404s(client, live_story, post, path):
    post("Запис.")
    assert client.get(path).status_code == 404


def test_an_entry_waiting_for_an_editor_has_no_public_link(client, coverage, desk_author):
    from live import services

    coverage.article.authors.add(desk_author.byline)
    waiting = services.post_entry(coverage=coverage, user=desk_author, body="Чернетка.")
    assert client.get(f"/live/entry/{waiting.pk}/").status_code == 404
    assert "Чернетка." not in client.get(f"/live/{coverage.article_id}/since/0/").content.decode()


def test_a_link_alone_in_an_entry_is_an_embed_facade(client, live_story, post):
    post("Звернення президента:\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ")
    html = client.get(live_story.get_absolute_url()).content.decode()
    assert 'class="embed embed-youtube"' in html
