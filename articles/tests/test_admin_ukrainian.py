"""The admin in Ukrainian: its history, its dates, the note of who else edits a story."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from articles.models import Article
from tests.admin_forms import post_form, signed_in
from tests.factories import ArticleFactory, AuthorUserFactory, EditorFactory

pytestmark = pytest.mark.django_db


def history(story):
    with translation.override("uk"):
        return [e.get_change_message() for e in LogEntry.objects.filter(object_id=str(story.pk))]


def test_the_history_speaks_ukrainian_and_leaves_out_the_forms_bookkeeping(section):
    story = ArticleFactory(
        section=section,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=1),
    )
    client = signed_in(EditorFactory())
    url = reverse("admin:articles_article_change", args=[story.pk])
    noted = timezone.localtime().replace(microsecond=0)
    changes = {
        "title": "Новий заголовок",
        "notices-TOTAL_FORMS": "1",
        "notices-0-kind": "correction",
        "notices-0-text": "Раніше ми помилково написали, що бюджет ухвалили в четвер.",
        "notices-0-noted_at_0": noted.strftime("%d.%m.%Y"),
        "notices-0-noted_at_1": noted.strftime("%H:%M:%S"),
    }
    assert post_form(client, url, changes).status_code == 302
    (message,) = history(story)
    assert message.startswith("Змінено: заголовок. Додано: примітка «Раніше ми помилково")
    for english in ("Correction", "draft_version", "based_on_version"):
        assert english not in message


def test_dates_are_written_one_way_and_the_date_filter_names_the_day(section):
    when = timezone.make_aware(timezone.datetime(2026, 12, 4, 14, 5))
    with translation.override("uk"):
        assert date_format(when, "DATETIME_FORMAT") == "4 грудня 2026, 14:05"
        assert date_format(when, "DATE_FORMAT") == "4 грудня 2026"
    ArticleFactory(section=section, published_at=when)
    client = signed_in(EditorFactory())
    changelist = reverse("admin:articles_article_changelist")
    page = client.get(
        changelist, {"published_at__year": "2026", "published_at__month": "12"}
    ).content.decode()
    assert "4 грудня" in page and "04 Грудень" not in page


def test_the_presence_note_names_only_people_who_may_edit_the_story(section):
    story = ArticleFactory(section=section, status=Article.Status.PUBLISHED)
    url = reverse("admin:articles_article_change", args=[story.pk])
    colleague = EditorFactory(first_name="Ірина", last_name="Коваль")
    signed_in(colleague).get(url)
    author = AuthorUserFactory()  # cannot change another writer's published story
    signed_in(author).get(url)
    page = signed_in(EditorFactory()).get(url).content.decode()
    note = page.split('id="story-presence"')[1].split("</div>")[0]
    assert "Цю новину зараз також редагують:" in note
    assert "Ірина Коваль (відкрито 1 хв тому)" in note
    assert author.get_full_name() not in note
    assert "відкривав(ла)" not in note and "протягом" not in note
