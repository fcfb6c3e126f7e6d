"""The story form's publishing actions, per group: each button posts a named action that
becomes a status, through the workflow's save; an action the user may not take is refused
with a message, nothing saved."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.admin_forms import read_form, signed_in
from tests.factories import ArticleFactory, AuthorUserFactory, EditorFactory, SectionFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")
DRAFT, REVIEW, PUBLISHED = Article.Status.DRAFT, Article.Status.REVIEW, Article.Status.PUBLISHED


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


@pytest.fixture
def section(db):
    return SectionFactory(name="Світ", slug="svit")


@pytest.fixture
def author():
    return AuthorUserFactory(first_name="Олена", last_name="Авторка")


@pytest.fixture
def editor():
    return EditorFactory(first_name="Ірина", last_name="Редакторка")


def act(client, url, action, **changes):
    """Open the form, change some fields and press the action's button, as a browser does."""
    page = client.get(url)
    data, _options = read_form(page)
    for name, value in changes.items():
        data[name] = [value]
    data["_action"] = [action]
    return client.post(url, data)


def buttons(client, url):
    html = client.get(url).content.decode()
    return [
        a
        for a in ("review", "draft", "publish", "schedule", "unpublish")
        if f'name="_action" value="{a}"' in html
    ]


def own_story(user, section, **fields):
    story = ArticleFactory(section=section, **{"status": DRAFT, **fields})
    story.authors.add(user.byline)
    return story


def test_each_group_is_offered_the_actions_of_its_job(section, author, editor):
    as_author, as_editor = signed_in(author), signed_in(editor)
    assert buttons(as_author, ADD) == ["review"]
    assert buttons(as_editor, ADD) == ["publish", "schedule"]
    draft = own_story(author, section)
    assert buttons(as_author, change_url(draft)) == ["review"]
    review = own_story(author, section, status=REVIEW)
    assert buttons(as_author, change_url(review)) == ["draft"]
    assert buttons(as_editor, change_url(review)) == ["draft", "publish", "schedule"]
    live = ArticleFactory(section=section, status=PUBLISHED)
    assert buttons(as_editor, change_url(live)) == ["unpublish"]
    later = timezone.now() + timedelta(days=1)
    scheduled = ArticleFactory(section=section, status=PUBLISHED, published_at=later)
    assert buttons(as_editor, change_url(scheduled)) == ["publish", "schedule", "unpublish"]
    page = as_editor.get(change_url(live)).content.decode()
    assert "Зняти з публікації" in page and "Оновити на сайті" in page
    assert page.count('name="_action" value="unpublish"') == 2  # at the top and the bottom


def test_an_author_sends_a_new_story_for_review(section, author):
    client = signed_in(author)
    response = act(
        client, ADD, "review", title="Нова школа", section=str(section.pk), body="<p>Т</p>"
    )
    story = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == change_url(story)
    assert story.status == REVIEW and list(story.authors.all()) == [author.byline]
    assert "Статус: Чекає на перевірку." in client.get(response["Location"]).content.decode()


def test_an_author_returns_their_story_from_review_to_drafts(section, author):
    story = own_story(author, section, status=REVIEW)
    assert act(signed_in(author), change_url(story), "draft").status_code == 302
    story.refresh_from_db()
    assert story.status == DRAFT


@pytest.mark.parametrize("action", ["publish", "schedule", "unpublish"])
def test_an_author_is_refused_an_editors_action_with_a_message(section, author, action):
    story = own_story(author, section, title="Чернетка")
    later = timezone.localtime() + timedelta(days=1)
    response = act(
        signed_in(author),
        change_url(story),
        action,
        title="Змінений заголовок",
        published_at_0=later.strftime("%d.%m.%Y"),
        published_at_1="09:00:00",
    )
    assert response.status_code == 200
    page = response.content.decode()
    if action == "unpublish":
        assert "Ця дія для цієї новини вам недоступна." in page
    else:
        assert "Публікувати й планувати новини можуть лише редактори" in page
    story.refresh_from_db()
    assert (story.status, story.title) == (DRAFT, "Чернетка")  # nothing saved


def test_an_unknown_action_is_refused_and_nothing_is_saved(section, editor):
    story = ArticleFactory(section=section, status=DRAFT, title="Чернетка")
    response = act(signed_in(editor), change_url(story), "delete-everything", title="Інше")
    assert response.status_code == 200
    assert "Невідома дія: нічого не збережено." in response.content.decode()
    story.refresh_from_db()
    assert (story.status, story.title) == (DRAFT, "Чернетка")


def test_an_editor_publishes_from_review_now_whatever_time_the_draft_had(section, editor):
    story = ArticleFactory(
        section=section, status=REVIEW, published_at=timezone.now() - timedelta(days=3)
    )
    before = timezone.now()
    response = act(signed_in(editor), change_url(story), "publish", title="Виходить зараз")
    assert response.status_code == 302 and response["Location"] == change_url(story)
    story.refresh_from_db()
    assert story.status == PUBLISHED and story.published_at >= before
    assert story.title == "Виходить зараз"  # the edits in the form go out with it
    assert signed_in(editor).get(story.get_absolute_url()).status_code == 200


def test_an_editor_publishes_a_new_story_in_one_step(section, editor):
    before = timezone.now()
    response = act(
        signed_in(editor), ADD, "publish", title="Одразу", section=str(section.pk), body="<p>Т</p>"
    )
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.status == PUBLISHED and story.published_at >= before


def test_an_editor_schedules_at_the_time_set_in_the_form(section, editor):
    story = ArticleFactory(section=section, status=REVIEW)
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = act(
        signed_in(editor),
        change_url(story),
        "schedule",
        published_at_0=tomorrow.strftime("%d.%m.%Y"),
        published_at_1="09:00:00",
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_scheduled
    assert timezone.localtime(story.published_at).strftime("%d.%m %H:%M") == (
        tomorrow.strftime("%d.%m") + " 09:00"
    )


def test_scheduling_without_a_future_time_is_refused(section, editor):
    story = ArticleFactory(section=section, status=REVIEW, published_at=timezone.now())
    response = act(signed_in(editor), change_url(story), "schedule")
    assert response.status_code == 200
    assert "вкажіть час публікації в майбутньому" in response.content.decode()
    story.refresh_from_db()
    assert story.status == REVIEW


def test_an_editor_unpublishes_a_live_story(section, editor, client):
    story = ArticleFactory(section=section, status=PUBLISHED)
    assert client.get(story.get_absolute_url()).status_code == 200
    assert act(signed_in(editor), change_url(story), "unpublish").status_code == 302
    story.refresh_from_db()
    assert story.status == DRAFT
    assert client.get(story.get_absolute_url()).status_code == 404


def test_the_plain_save_keeps_the_status_and_an_old_form_loses_nothing(section, editor):
    story = ArticleFactory(section=section, status=PUBLISHED, title="Було")
    first, second = signed_in(editor), signed_in(EditorFactory())
    stale, _options = read_form(first.get(change_url(story)))
    assert act(second, change_url(story), "unpublish").status_code == 302
    stale["title"], stale["_action"] = ["Моя правка"], ["publish"]
    response = first.post(change_url(story), stale)
    assert response.status_code == 200  # refused: someone saved after the form was opened
    story.refresh_from_db()
    assert (story.status, story.title) == (DRAFT, "Було")
