"""The editorial workflow with four people signed in at once: two Authors, two Editors.

Every request goes over HTTP the way a browser sends the admin's forms (tests/admin_forms.py
reads the rendered form and posts it back with a few fields changed).
"""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.editorial import workflow
from articles.models import Article, RelatedLink
from tests.admin_forms import post_form, read_form, signed_in
from tests.conftest import require_postgres
from tests.factories import ArticleFactory, AuthorUserFactory, EditorFactory, SectionFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


@pytest.fixture
def newsroom(db):
    """Four people, each with their own browser session."""
    people = {
        "olena": AuthorUserFactory(first_name="Олена", last_name="Авторка"),
        "petro": AuthorUserFactory(first_name="Петро", last_name="Автор"),
        "iryna": EditorFactory(first_name="Ірина", last_name="Редакторка"),
        "taras": EditorFactory(first_name="Тарас", last_name="Редактор"),
    }
    return {name: (user, signed_in(user)) for name, user in people.items()}


@pytest.fixture
def section(db):
    return SectionFactory(name="Світ", slug="svit")


def new_story(client, section, **fields):
    data, _ = read_form(client.get(ADD))
    data.update(
        {
            "title": ["Згорани отримали нову школу"],
            "section": [str(section.pk)],
            "body": ["<p>Текст новини.</p>"],
            "status": ["draft"],
            **{name: [value] for name, value in fields.items()},
            "_save": ["1"],
        }
    )
    return client.post(ADD, data)


def own_story(user, section, **fields):
    story = ArticleFactory(section=section, status=Article.Status.DRAFT, **fields)
    story.authors.add(user.byline)
    return story


# Roles ----------------------------------------------------------------------------------


def test_groups_have_exactly_their_permissions_and_none_on_users():
    for name in ("Authors", "Editors"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert not codenames & {"change_user", "add_user", "change_group", "change_permission"}
    authors = set(Group.objects.get(name="Authors").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article"} <= authors
    assert not authors & {"delete_article", "publish_article", "change_any_article", "add_notice"}
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {
        "publish_article",
        "change_any_article",
        "delete_section",
        "add_breakingnews",
    } <= editors


@pytest.mark.django_db(transaction=True)
def test_groups_are_made_whole_again_by_migrate():
    authors = Group.objects.get(name="Authors")
    authors.permissions.remove(Permission.objects.get(codename="add_article"))
    Group.objects.filter(name="Editors").delete()
    call_command("migrate", verbosity=0)
    assert authors.permissions.filter(codename="add_article").exists()
    editors = Group.objects.get(name="Editors")
    assert editors.permissions.filter(codename="publish_article").exists()


def test_an_author_writes_a_story_that_is_theirs(newsroom, section):
    olena, client = newsroom["olena"]
    response = new_story(client, section)
    assert response.status_code == 302
    story = Article.objects.get()
    assert list(story.authors.all()) == [olena.byline]
    assert story.status == Article.Status.DRAFT


def test_an_author_without_a_byline_gets_one_made_from_their_name(section):
    writer = AuthorUserFactory(first_name="Нова", last_name="Людина")
    writer.byline.delete()
    writer.refresh_from_db()
    assert new_story(signed_in(writer), section).status_code == 302
    story = Article.objects.get()
    assert [(a.name, a.user) for a in story.authors.all()] == [("Нова Людина", writer)]


def test_an_author_is_offered_only_draft_and_review(newsroom, section):
    _olena, client = newsroom["olena"]
    page = client.get(ADD).content.decode()
    assert 'value="review"' in page and 'value="publish"' not in page
    assert 'value="schedule"' not in page and 'name="status" value="draft"' in page
    page = newsroom["iryna"][1].get(ADD).content.decode()
    assert 'value="publish"' in page and 'value="schedule"' in page
    assert '<select name="status"' not in page  # no drop-down: the buttons set the status


def test_an_author_cannot_publish_even_by_posting_it(newsroom, section):
    olena, client = newsroom["olena"]
    response = new_story(client, section, status="published")
    assert response.status_code == 200
    assert not Article.objects.exists()
    story = own_story(olena, section)
    response = post_form(client, change_url(story), {"status": "published"})
    assert response.status_code == 200
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_the_save_path_refuses_what_the_form_would(newsroom, section):
    olena, _ = newsroom["olena"]
    petro, _ = newsroom["petro"]
    story = own_story(olena, section, title="Оригінал")
    story.status = Article.Status.PUBLISHED
    with pytest.raises(workflow.NotAllowed):
        workflow.save_edit(article=story, user=olena, based_on=story.version)
    theirs = Article.objects.get(pk=story.pk)
    theirs.title = "Чужа правка"
    with pytest.raises(workflow.NotAllowed):
        workflow.save_edit(article=theirs, user=petro, based_on=theirs.version)
    stored = Article.objects.get(pk=story.pk)
    assert (stored.status, stored.title, stored.version) == ("draft", "Оригінал", 0)


def test_an_author_cannot_see_or_change_another_authors_draft(newsroom, section):
    olena, _ = newsroom["olena"]
    _petro, petro_client = newsroom["petro"]
    story = own_story(olena, section, title="Чернетка Олени")
    listing = petro_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Чернетка Олени" not in listing
    # the change page of a story they may not see is "not found" (a redirect to the list)
    assert petro_client.get(change_url(story)).status_code == 302
    data, _ = read_form(newsroom["olena"][1].get(change_url(story)))
    data.update({"title": ["Підмінений заголовок"], "_save": ["1"]})
    assert petro_client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.title == "Чернетка Олени"


def test_an_author_can_read_but_not_change_a_published_story(newsroom, section):
    _olena, client = newsroom["olena"]
    story = ArticleFactory(section=section, title="Опублікована")
    page = client.get(change_url(story))
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    data, _ = read_form(newsroom["iryna"][1].get(change_url(story)))
    data.update({"title": ["Правка автора"], "_save": ["1"]})
    assert client.post(change_url(story), data).status_code == 403
    story.refresh_from_db()
    assert story.title == "Опублікована"


def test_an_author_cannot_delete_even_their_own_story(newsroom, section):
    olena, client = newsroom["olena"]
    story = own_story(olena, section)
    url = reverse("admin:articles_article_delete", args=[story.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=story.pk).exists()


def test_neither_role_touches_users_or_permissions(newsroom):
    for name in ("olena", "iryna"):
        _user, client = newsroom[name]
        assert client.get("/admin/auth/user/").status_code == 403
        assert client.get("/admin/auth/group/").status_code == 403


# Review ---------------------------------------------------------------------------------


def test_a_story_sent_for_review_is_published_by_an_editor(newsroom, section, client):
    olena, olena_client = newsroom["olena"]
    iryna, iryna_client = newsroom["iryna"]
    story = own_story(olena, section, title="На перевірку")
    story.published_at = timezone.now() - timedelta(days=2)  # when the draft was begun
    story.save()
    assert post_form(olena_client, change_url(story), {"status": "review"}).status_code == 302
    story.refresh_from_db()
    assert story.status == Article.Status.REVIEW
    assert client.get(story.get_absolute_url()).status_code == 404

    front = iryna_client.get(reverse("admin:index")).content.decode()
    assert "На перевірку" in front and "1 новина чекає на перевірку" in front
    assert (
        'id="waiting-for-review"' not in olena_client.get(reverse("admin:index")).content.decode()
    )

    before = timezone.now()
    assert post_form(iryna_client, change_url(story), {"status": "published"}).status_code == 302
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED
    assert story.published_at >= before  # goes out now, not on the day the draft was begun
    assert client.get(story.get_absolute_url()).status_code == 200

    history = [
        (v.revision.user, v.revision.get_comment())
        for v in Version.objects.get_for_object(story).order_by("pk")
    ]
    assert history[-2][0] == olena and history[-2][1].startswith("Відправлено на перевірку")
    assert history[-1][0] == iryna and history[-1][1].startswith("Опубліковано")
    page = iryna_client.get(reverse("admin:articles_article_history", args=[story.pk]))
    assert "Відправлено на перевірку" in page.content.decode()


def test_an_editor_schedules_and_the_front_page_lists_it(newsroom, section):
    _iryna, client = newsroom["iryna"]
    story = ArticleFactory(section=section, status=Article.Status.REVIEW, title="На завтра")
    tomorrow = timezone.localtime() + timedelta(days=1)
    changes = {
        "status": "published",
        "published_at_0": tomorrow.strftime("%d.%m.%Y"),
        "published_at_1": "09:00:00",
    }
    assert post_form(client, change_url(story), changes).status_code == 302
    story.refresh_from_db()
    assert story.is_scheduled
    front = client.get(reverse("admin:index")).content.decode()
    assert "1 новина запланована" in front and "На завтра" in front
    comment = Version.objects.get_for_object(story).first().revision.get_comment()
    assert comment.startswith("Заплановано на")


# No lost edits --------------------------------------------------------------------------


def test_two_editors_saving_at_once_lose_nothing(newsroom, section):
    iryna, iryna_client = newsroom["iryna"]
    _taras, taras_client = newsroom["taras"]
    story = ArticleFactory(section=section, title="Заголовок з помилкою", teaser="Старий тизер")
    url = change_url(story)
    iryna_form, _ = read_form(iryna_client.get(url))
    taras_form, _ = read_form(taras_client.get(url))

    iryna_form.update({"title": ["Виправлений заголовок"], "_save": ["1"]})
    assert iryna_client.post(url, iryna_form).status_code == 302

    taras_form.update({"teaser": ["Новий тизер Тараса"], "_save": ["1"]})
    response = taras_client.post(url, taras_form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Хтось інший зберіг цю новину після того, як ви її відкрили" in page
    assert "Ірина Редакторка зберіг(ла) її" in page
    conflict = response.context["adminform"].form.conflict
    assert [save["user"] for save in conflict["saves"]] == ["Ірина Редакторка"]
    assert ("заголовок", "Заголовок з помилкою", "Виправлений заголовок") in conflict["changes"]
    assert "Новий тизер Тараса" in page  # their own edit is still in the form
    story.refresh_from_db()
    assert (story.title, story.teaser) == ("Виправлений заголовок", "Старий тизер")

    # Having read what changed, saving again is a choice made knowing it.
    again, _ = read_form(response)
    again.update({"title": ["Виправлений заголовок"], "_save": ["1"]})
    assert taras_client.post(url, again).status_code == 302
    story.refresh_from_db()
    assert (story.title, story.teaser) == ("Виправлений заголовок", "Новий тизер Тараса")


def test_a_change_of_the_related_links_alone_is_not_overwritten(newsroom, section):
    _iryna, iryna_client = newsroom["iryna"]
    _taras, taras_client = newsroom["taras"]
    story = ArticleFactory(section=section)
    other = ArticleFactory(section=section, title="Пов'язана новина")
    url = change_url(story)
    stale, _ = read_form(taras_client.get(url))
    fresh, _ = read_form(iryna_client.get(url))
    fresh.update({"related_links-0-target": [str(other.pk)], "related_links-0-position": ["0"]})
    fresh["_save"] = ["1"]
    assert iryna_client.post(url, fresh).status_code == 302
    assert RelatedLink.objects.filter(article=story).count() == 1

    stale.update({"title": ["Інший заголовок"], "_save": ["1"]})
    response = taras_client.post(url, stale)
    assert response.status_code == 200
    labels = [label for label, _old, _new in response.context["adminform"].form.conflict["changes"]]
    assert "Інші новини: вибір редакції" in labels
    assert RelatedLink.objects.filter(article=story).count() == 1


def test_a_form_without_its_version_is_refused(newsroom, section):
    _iryna, client = newsroom["iryna"]
    story = ArticleFactory(section=section, title="Без версії")
    data, _ = read_form(client.get(change_url(story)))
    del data["based_on_version"]
    data.update({"title": ["Перезапис"], "_save": ["1"]})
    assert client.post(change_url(story), data).status_code == 200
    story.refresh_from_db()
    assert story.title == "Без версії"


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_on_postgresql_let_exactly_one_through(section):
    require_postgres()
    editors = [EditorFactory(), EditorFactory()]
    story = ArticleFactory(section=section, title="Початок")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(editor, title):
        try:
            mine = Article.objects.get(pk=story.pk)
            mine.title = title
            barrier.wait()
            workflow.save_edit(article=mine, user=editor, based_on=0)
            outcomes.append("saved")
        except workflow.EditConflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(editor, f"Версія {n}"))
        for n, editor in enumerate(editors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    story.refresh_from_db()
    assert story.version == 1 and story.title in ("Версія 0", "Версія 1")


def test_opening_a_story_someone_else_has_open_shows_who(newsroom, section):
    _iryna, iryna_client = newsroom["iryna"]
    _taras, taras_client = newsroom["taras"]
    story = ArticleFactory(section=section)
    first = iryna_client.get(change_url(story)).content.decode()
    assert "відкрита" not in first
    second = taras_client.get(change_url(story)).content.decode()
    assert "Ірина Редакторка (відкрито 1 хв тому)" in second
    assert "Тарас Редактор" not in second
    beat = iryna_client.post(reverse("admin:articles_article_presence", args=[story.pk]))
    assert beat.json() == {"others": [{"name": "Тарас Редактор", "minutes": 1}]}


def test_presence_heartbeat_is_for_staff_and_post_only(newsroom, section, client):
    story = ArticleFactory(section=section)
    url = reverse("admin:articles_article_presence", args=[story.pk])
    assert client.post(url).status_code == 302  # to the login page
    assert newsroom["iryna"][1].get(url).status_code == 405
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    other_url = reverse("admin:articles_article_presence", args=[draft.pk])
    assert newsroom["olena"][1].post(other_url).status_code == 404


def test_presence_forgets_people_after_a_few_minutes(newsroom, section, time_machine):
    story = ArticleFactory(section=section)
    newsroom["iryna"][1].get(change_url(story))
    time_machine.move_to(timezone.now() + timedelta(minutes=workflow.PRESENCE_SECONDS // 60 + 1))
    page = newsroom["taras"][1].get(change_url(story)).content.decode()
    assert "Ірина Редакторка" not in page


# Revisions ------------------------------------------------------------------------------


def test_two_revisions_compare_side_by_side(newsroom, section):
    _iryna, client = newsroom["iryna"]
    story = ArticleFactory(section=section, title="Перша редакція")
    post_form(client, change_url(story), {"title": "Друга редакція"})
    post_form(client, change_url(story), {"teaser": "Тизер третьої"})
    older, _middle, newer = Version.objects.get_for_object(story).order_by("pk")
    history = client.get(reverse("admin:articles_article_history", args=[story.pk]))
    assert 'name="a"' in history.content.decode()
    url = reverse("admin:articles_article_compare", args=[story.pk])
    page = client.get(url, {"a": older.pk, "b": newer.pk})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert ("заголовок", "Перша редакція", "Друга редакція") in rows
    assert ("анонс", "—", "Тизер третьої") in rows
    assert reverse("admin:articles_article_revision", args=[story.pk, older.pk]) in (
        page.content.decode()
    )
    assert client.get(url, {"a": "x", "b": newer.pk}).status_code == 404
    foreign = ArticleFactory(section=section)
    post_form(client, change_url(foreign), {"title": "Чужа"})
    foreign_version = Version.objects.get_for_object(foreign).first()
    assert client.get(url, {"a": foreign_version.pk, "b": newer.pk}).status_code == 404


def test_an_author_cannot_compare_another_authors_draft(newsroom, section):
    olena, olena_client = newsroom["olena"]
    story = own_story(olena, section)
    post_form(olena_client, change_url(story), {"title": "Моя версія"})
    version = Version.objects.get_for_object(story).first()
    url = reverse("admin:articles_article_compare", args=[story.pk])
    assert newsroom["petro"][1].get(url, {"a": version.pk, "b": version.pk}).status_code == 404
    assert olena_client.get(url, {"a": version.pk, "b": version.pk}).status_code == 200


def test_an_author_cannot_restore_a_revision_of_another_authors_draft(newsroom, section):
    olena, olena_client = newsroom["olena"]
    story = own_story(olena, section, title="Перша версія")
    post_form(olena_client, change_url(story), {"title": "Друга версія"})
    first = Version.objects.get_for_object(story).order_by("pk").first()
    url = reverse("admin:articles_article_revision", args=[story.pk, first.pk])
    data, _ = read_form(olena_client.get(url))
    data["_save"] = ["1"]
    petro_client = newsroom["petro"][1]
    assert petro_client.get(url).status_code == 403
    assert petro_client.post(url, data).status_code == 403
    story.refresh_from_db()
    assert story.title == "Друга версія"
    assert petro_client.get(reverse("admin:articles_article_recoverlist")).status_code == 403
    # the story's own author may restore it
    assert olena_client.post(url, data).status_code == 302
    story.refresh_from_db()
    assert story.title == "Перша версія"


def test_an_author_previews_their_own_draft_but_not_someone_elses(newsroom, section):
    olena, olena_client = newsroom["olena"]
    story = own_story(olena, section, title="Чернетка для перегляду")
    url = reverse("articles:preview", args=[story.pk])
    assert olena_client.get(url).status_code == 200
    assert newsroom["petro"][1].get(url).status_code == 404
    assert newsroom["iryna"][1].get(url).status_code == 200


def test_compare_and_presence_answer_404_for_nonsense_ids(newsroom, section):
    _iryna, client = newsroom["iryna"]
    story = ArticleFactory(section=section)
    compare = reverse("admin:articles_article_compare", args=[story.pk])
    for a, b in [("99999999999999999999", "1"), ("-1", "1"), ("", ""), ("1.5", "2")]:
        assert client.get(compare, {"a": a, "b": b}).status_code == 404
    missing = reverse("admin:articles_article_compare", args=["999999999999999999999"])
    assert client.get(missing, {"a": "1", "b": "2"}).status_code == 404
    presence = reverse("admin:articles_article_presence", args=["abc"])
    assert client.post(presence).status_code == 404
    stale, _ = read_form(client.get(change_url(story)))
    stale.update({"based_on_version": ["зло"], "title": ["Інше"], "_save": ["1"]})
    assert client.post(change_url(story), stale).status_code == 200
    story.refresh_from_db()
    assert story.title != "Інше"


def test_an_import_that_changes_an_open_story_makes_the_open_form_out_of_date(newsroom, section):
    from imports import jsonl as services

    _iryna, client = newsroom["iryna"]
    story = ArticleFactory(section=section, slug="imported", title="До імпорту")
    stale, _ = read_form(client.get(change_url(story)))
    records = services.validate(
        [(1, {"slug": "imported", "title": "З імпорту", "body": "Текст", "section": "Світ"})]
    )
    assert services.import_articles(records=records).updated == 1
    stale.update({"teaser": ["Правка редактора"], "_save": ["1"]})
    response = client.post(change_url(story), stale)
    assert response.status_code == 200
    assert "Її змінили поза адмінкою, наприклад імпортом." in response.content.decode()
    story.refresh_from_db()
    assert (story.title, story.teaser, story.version) == ("З імпорту", "", 1)


def cut_before_publication(newsroom, section):
    """Olena's story, whose source the editor cut from the text before publishing it."""
    olena, olena_client = newsroom["olena"]
    story = own_story(olena, section, title="Розслідування")
    post_form(
        olena_client,
        change_url(story),
        {"body": "<p>Каже джерело Марко Таємний.</p>", "status": "review"},
    )
    iryna_client = newsroom["iryna"][1]
    post_form(iryna_client, change_url(story), {"body": "<p>Каже джерело.</p>"})
    post_form(iryna_client, change_url(story), {"status": "published"})
    story.refresh_from_db()
    assert story.is_public
    return story


def test_an_author_reads_no_revisions_of_another_authors_story(newsroom, section):
    story = cut_before_publication(newsroom, section)
    versions = list(Version.objects.get_for_object(story).order_by("pk"))
    first = next(v for v in versions if "Таємний" in v.field_dict["body"])
    last = versions[-1]
    petro_client = newsroom["petro"][1]
    urls = [
        (reverse("admin:articles_article_compare", args=[story.pk]), {"a": first.pk, "b": last.pk}),
        (reverse("admin:articles_article_history", args=[story.pk]), {}),
        (reverse("admin:articles_article_revision", args=[story.pk, first.pk]), {}),
        (reverse("admin:articles_article_recover", args=[first.pk]), {}),
        (reverse("admin:articles_article_recoverlist"), {}),
    ]
    for url, query in urls:
        response = petro_client.get(url, query)
        assert response.status_code in (403, 404), url
        assert "Таємний" not in response.content.decode()
    # the published text stays readable to him; the story's own author and editors see it all
    assert petro_client.get(change_url(story)).status_code == 200
    for name in ("olena", "iryna"):
        page = newsroom[name][1].get(*urls[0])
        assert page.status_code == 200
        assert "Таємний" in page.content.decode()
        assert newsroom[name][1].get(urls[1][0]).status_code == 200


def test_an_author_sees_nothing_of_another_authors_scheduled_story(newsroom, section):
    """A story waiting for its time is not public yet: only its authors and editors see it."""
    story = ArticleFactory(
        section=section, title="Ембарго до ранку", published_at=timezone.now() + timedelta(hours=5)
    )
    petro_client = newsroom["petro"][1]
    urls = [
        change_url(story),
        reverse("admin:articles_article_history", args=[story.pk]),
        reverse("articles:preview", args=[story.pk]),
        reverse("admin:articles_article_changelist"),
    ]
    for url in urls:
        response = petro_client.get(url)
        assert response.status_code in (302, 403, 404) or "Ембарго" not in response.content.decode()
        assert "Ембарго" not in response.content.decode(), url
    assert "Ембарго" in newsroom["iryna"][1].get(urls[3]).content.decode()


def test_an_authors_publish_time_never_schedules_the_story(newsroom, section, client):
    """An Author cannot schedule: a time they type is not kept, and an editor's publish puts
    the story out now unless the editor chose the time in that save."""
    olena, olena_client = newsroom["olena"]
    iryna_client = newsroom["iryna"][1]
    next_year = {"published_at_0": "01.03.2027", "published_at_1": "09:00:00"}
    response = new_story(olena_client, section, status="review", **next_year)
    assert response.status_code == 302
    story = Article.objects.get(title="Згорани отримали нову школу")
    assert story.published_at < timezone.now()
    assert post_form(olena_client, change_url(story), next_year).status_code == 302
    story.refresh_from_db()
    assert story.published_at < timezone.now()
    # a time already stored in the future (by an older form) does not survive a publish
    Article.objects.filter(pk=story.pk).update(published_at=timezone.now() + timedelta(days=90))
    before = timezone.now()
    assert post_form(iryna_client, change_url(story), {"status": "published"}).status_code == 302
    story.refresh_from_db()
    assert before <= story.published_at <= timezone.now()
    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_save_path_ignores_an_authors_publish_time(newsroom, section):
    olena, _client = newsroom["olena"]
    story = own_story(olena, section)
    stored = story.published_at
    story = Article.objects.get(pk=story.pk)
    story.published_at = timezone.now() + timedelta(days=30)
    workflow.save_edit(article=story, user=olena, based_on=story.version)
    story.refresh_from_db()
    assert story.published_at == stored
    fresh = Article(title="Нова", section=section, body="<p>Текст</p>")
    fresh.published_at = timezone.now() + timedelta(days=30)
    workflow.save_edit(article=fresh, user=olena, based_on=0)
    assert Article.objects.get(pk=fresh.pk).published_at <= timezone.now()


# Writes outside the story form ----------------------------------------------------------


def test_a_notice_changed_in_the_corrections_list_makes_open_forms_out_of_date(newsroom, section):
    """The story form carries its notices: a form opened before a notice was corrected in
    the corrections list would put the old text back. Every change there moves the story's
    version, so that form is refused and says who changed what."""
    from tests.factories import NoticeFactory

    _iryna, iryna_client = newsroom["iryna"]
    _taras, taras_client = newsroom["taras"]
    story = ArticleFactory(section=section, title="Заголовок")
    notice = NoticeFactory(article=story, text="Раніше ми вказали не ту дату.")
    opened, _ = read_form(taras_client.get(change_url(story)))
    assert opened["notices-0-text"] == ["Раніше ми вказали не ту дату."]
    notice_url = reverse("admin:articles_notice_change", args=[notice.pk])
    response = post_form(
        iryna_client,
        notice_url,
        {"text": "Раніше ми вказали не ту дату і місце."},
        form_id="notice_form",
    )
    assert response.status_code == 302

    opened.update({"title": ["Новий заголовок"], "_save": ["1"]})
    response = taras_client.post(change_url(story), opened)

    assert response.status_code == 200
    assert "Ірина Редакторка" in response.content.decode()
    notice.refresh_from_db()
    assert notice.text == "Раніше ми вказали не ту дату і місце."
    assert Article.objects.get(pk=story.pk).title == "Заголовок"


@pytest.mark.parametrize("how", ["add", "delete", "delete_selected"])
def test_every_notice_write_moves_the_storys_version(newsroom, section, how):
    from articles.models import Notice
    from tests.factories import NoticeFactory

    _iryna, client = newsroom["iryna"]
    story = ArticleFactory(section=section)
    notice = NoticeFactory(article=story)
    before = Article.objects.get(pk=story.pk).version
    if how == "add":
        data, _ = read_form(client.get(reverse("admin:articles_notice_add")), "notice_form")
        data.update({"article": [str(story.pk)], "kind": ["update"], "text": ["Додали цифри."]})
        data.update({"_save": ["1"]})
        response = client.post(reverse("admin:articles_notice_add"), data)
    elif how == "delete":
        response = client.post(
            reverse("admin:articles_notice_delete", args=[notice.pk]), {"post": "yes"}
        )
    else:
        response = client.post(
            reverse("admin:articles_notice_changelist"),
            {"action": "delete_selected", "_selected_action": [notice.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert Notice.objects.filter(article=story).count() == (2 if how == "add" else 0)
    assert Article.objects.get(pk=story.pk).version == before + 1


def test_a_restored_revision_makes_forms_opened_before_out_of_date(newsroom, section):
    _iryna, iryna_client = newsroom["iryna"]
    _taras, taras_client = newsroom["taras"]
    story = ArticleFactory(section=section, title="Перша")
    post_form(iryna_client, change_url(story), {"title": "Друга"})
    first = Version.objects.get_for_object(story).order_by("pk").first()
    opened, _ = read_form(taras_client.get(change_url(story)))
    restore = reverse("admin:articles_article_revision", args=[story.pk, first.pk])
    assert post_form(iryna_client, restore).status_code == 302
    assert Article.objects.get(pk=story.pk).title == "Перша"

    opened.update({"teaser": ["Анонс Тараса"], "_save": ["1"]})
    assert taras_client.post(change_url(story), opened).status_code == 200
    assert Article.objects.get(pk=story.pk).title == "Перша"


# Side doors of the admin ----------------------------------------------------------------


@pytest.fixture
def unpublished(newsroom, section):
    """Olena's story waiting for review, someone's embargoed story with a notice, and a
    story readers see, each with a tag of its own."""
    from tests.factories import NoticeFactory

    secret = ArticleFactory(
        section=section,
        title="Відставка міністра Секретенка",
        slug="vidstavka-ministra-sekretenka",
        status=Article.Status.REVIEW,
        tags=["Секретенко"],
    )
    secret.authors.add(newsroom["olena"][0].byline)
    scheduled = ArticleFactory(
        section=section, published_at=timezone.now() + timedelta(hours=3), tags=["Сенсація"]
    )
    NoticeFactory(article=scheduled, text="Виправлення до ембарго.")
    public = ArticleFactory(section=section, tags=["Севастополь"])
    return {"secret": secret, "scheduled": scheduled, "public": public}


def test_tag_suggestions_and_the_tag_list_name_only_tags_of_stories_one_sees(newsroom, unpublished):
    """A tag made for an embargoed story or another author's draft names what is coming."""
    tags = reverse("admin:articles_article_tags")
    petro_client = newsroom["petro"][1]
    assert petro_client.get(tags, {"q": "Се"}).json() == {"tags": ["Севастополь"]}
    olena = newsroom["olena"][1].get(tags, {"q": "Се"}).json()
    assert olena == {"tags": ["Севастополь", "Секретенко"]}
    assert len(newsroom["iryna"][1].get(tags, {"q": "Се"}).json()["tags"]) == 3
    tag_list = petro_client.get(reverse("admin:taggit_tag_changelist")).content.decode()
    assert "Севастополь" in tag_list
    assert "Секретенко" not in tag_list and "Сенсація" not in tag_list


def test_the_corrections_list_shows_an_author_only_notices_of_stories_they_see(
    newsroom, unpublished
):
    notices = newsroom["petro"][1].get(reverse("admin:articles_notice_changelist"))
    assert notices.status_code == 200
    page = notices.content.decode()
    assert "ембарго" not in page and unpublished["scheduled"].title not in page
    editors = newsroom["iryna"][1].get(reverse("admin:articles_notice_changelist"))
    assert unpublished["scheduled"].title in editors.content.decode()


def test_view_on_site_redirects_only_to_stories_one_sees(newsroom, unpublished):
    """Django's /admin/r/<type>/<id>/ answers any staff member with the object's address,
    and a story's address spells its headline."""
    from django.contrib.contenttypes.models import ContentType

    article_type = ContentType.objects.get_for_model(Article).pk
    petro_client, iryna_client = newsroom["petro"][1], newsroom["iryna"][1]
    for story in (unpublished["secret"], unpublished["scheduled"]):
        response = petro_client.get(reverse("admin:view_on_site", args=[article_type, story.pk]))
        assert response.status_code == 404
        assert story.slug not in response.get("Location", "")
        shortcut = reverse("admin:view_on_site", args=[article_type, story.pk])
        assert story.slug in iryna_client.get(shortcut)["Location"]
    public = unpublished["public"]
    shortcut = reverse("admin:view_on_site", args=[article_type, public.pk])
    assert public.slug in petro_client.get(shortcut)["Location"]
    assert petro_client.get(reverse("admin:view_on_site", args=[999, 1])).status_code == 404


def test_reading_a_published_story_is_not_editing_it(newsroom, unpublished):
    """An Author's read-only page sends no heartbeat and is told nobody's name."""
    public = unpublished["public"]
    petro_client, iryna_client = newsroom["petro"][1], newsroom["iryna"][1]
    iryna_client.get(change_url(public))
    page = petro_client.get(change_url(public)).content.decode()
    assert "Ірина Редакторка" not in page
    presence = reverse("admin:articles_article_presence", args=[public.pk])
    assert petro_client.post(presence).status_code == 403
    assert "Петро" not in iryna_client.get(change_url(public)).content.decode()


def test_an_author_is_not_shown_picks_of_stories_they_may_not_see(newsroom, section):
    """An editor picked an embargoed story for a published one's Other news: an Author
    reading the published story's page in the admin does not see the embargoed headline,
    and the Author's own save keeps picks hidden from them."""
    from articles.models import RelatedLink

    olena, olena_client = newsroom["olena"]
    embargoed = ArticleFactory(
        section=section,
        title="Ембарго: новий уряд",
        published_at=timezone.now() + timedelta(hours=4),
    )
    public = ArticleFactory(section=section)
    RelatedLink.objects.create(article=public, target=embargoed, position=0)
    assert "Ембарго" not in newsroom["petro"][1].get(change_url(public)).content.decode()
    assert "Ембарго" in newsroom["iryna"][1].get(change_url(public)).content.decode()

    own = own_story(olena, section, title="Моя чернетка")
    RelatedLink.objects.create(article=own, target=embargoed, position=0)
    page = olena_client.get(change_url(own)).content.decode()
    assert "Ембарго" not in page
    assert post_form(olena_client, change_url(own), {"teaser": "Анонс"}).status_code == 302
    assert list(own.related_links.values_list("target_id", flat=True)) == [embargoed.pk]
