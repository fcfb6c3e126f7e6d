"""Інші новини: editor's picks first, then neighbours by content, never the wrong stories."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import default_task_backend

from articles import neighbours, services
from articles.models import Article, Neighbour, NeighbourChoice, RelatedLink, StoryTerms, Term
from articles.related import related_news
from articles.tasks import refresh_neighbours
from tests.admin_forms import post_form
from tests.factories import ArticleFactory, RelatedLinkFactory, SectionFactory

pytestmark = pytest.mark.django_db

GRID = (
    "<p>Росія атакувала енергосистему, Укренерго запровадило графіки відключень. "
    "Енергетики відновлюють підстанції після удару по енергосистемі.</p>"
)
GRID_AGAIN = (
    "<p>Укренерго: енергосистемою пройшла хвиля аварійних відключень, пошкоджені "
    "підстанції ремонтують енергетики.</p>"
)
FOOTBALL = "<p>Збірна України зіграла матч відбору, Ребров назвав склад команди.</p>"
OPERA = "<p>Національна опера показала прем'єру, диригентка відкрила сезон.</p>"
CINEMA = "<p>Український фільм отримав нагороду кінофестивалю, режисер подякував журі.</p>"


def story(body, hours_ago=1, refresh=True, **kwargs):
    """A published story whose neighbours are computed, as its save would compute them."""
    published_at = timezone.now() - timezone.timedelta(hours=hours_ago)
    return ArticleFactory(body=body, published_at=published_at, neighbours=refresh, **kwargs)


def ids(article):
    return [item.article_id for item in related_news(article)]


def test_picks_come_first_in_the_editors_order_then_neighbours(article):
    similar = story(GRID)
    third, first = story(OPERA, title="Третя"), story(CINEMA, title="Перша")
    RelatedLinkFactory(article=article, target=third, position=2)
    RelatedLinkFactory(article=article, target=first, position=1)
    article.body = GRID_AGAIN
    article.save()
    neighbours.refresh_story(article_id=article.pk)
    assert ids(article)[:3] == [first.pk, third.pk, similar.pk]


def test_the_thread_comes_before_a_story_sharing_only_a_broad_tag():
    football = story(FOOTBALL, tags=["Україна"])
    ArticleFactory.create_batch(3, tags=["Україна"])  # a broad tag: many stories have it
    older = story(GRID, hours_ago=5)
    newest = story(GRID_AGAIN, tags=["Україна"])
    shown = ids(newest)
    assert shown[0] == older.pk  # no tag in common, the same words in other forms
    assert shown.index(older.pk) < shown.index(football.pk)


def test_a_rare_tag_counts_more_than_a_common_one():
    body = "<p>Новини дня коротко.</p>"
    ArticleFactory.create_batch(4, tags=["Україна"])
    common = story(body, tags=["Україна"])
    rare = story(body, tags=["Укренерго"])
    article = story(body, tags=["Україна", "Укренерго"])
    shown = ids(article)
    assert shown.index(rare.pk) < shown.index(common.pk)


def test_a_new_story_joins_the_lists_of_its_thread(django_capture_on_commit_callbacks):
    older = story(GRID, hours_ago=30)
    story(FOOTBALL, hours_ago=20)
    story(OPERA, hours_ago=20)
    assert ids(older)[0] != "not yet"
    newest = story(GRID_AGAIN)
    assert ids(older)[0] == newest.pk
    reasons = Neighbour.objects.get(article=older, story=newest).reasons
    assert {"укренерго", "енергосистема"} <= set(reasons["words"])


def test_drafts_future_and_unpublished_stories_are_never_shown(article):
    article.body = GRID
    article.save()
    draft = story(GRID_AGAIN, status=Article.Status.DRAFT)
    future = story(GRID_AGAIN, hours_ago=-2)
    gone = story(GRID_AGAIN)
    neighbours.refresh_story(article_id=article.pk)
    assert future.pk in Neighbour.objects.filter(article=article).values_list("story", flat=True)
    gone.status = Article.Status.DRAFT
    gone.save()
    shown = ids(article)
    assert draft.pk not in shown and future.pk not in shown and gone.pk not in shown
    assert article.pk not in shown


def test_the_story_itself_is_never_shown():
    article = story(GRID)
    story(GRID_AGAIN)
    assert article.pk not in ids(article)
    assert not Neighbour.objects.filter(article=article, story=article).exists()


def test_stories_beyond_the_age_limit_are_never_neighbours(settings):
    settings.ARTICLES_RELATED_MAX_AGE_DAYS = 30
    old = story(GRID_AGAIN, hours_ago=31 * 24)
    recent = story(OPERA, hours_ago=2)
    article = story(GRID)
    shown = ids(article)
    assert old.pk not in shown
    assert recent.pk in shown  # the fill: nearest in time within the limit


def test_an_excluded_story_is_never_shown_even_as_fill(article):
    similar = story(GRID_AGAIN)
    other = story(OPERA)
    article.body = GRID
    article.save()
    NeighbourChoice.objects.create(article=article, story=similar, kind="exclude")
    NeighbourChoice.objects.create(article=article, story=other, kind="exclude")
    neighbours.refresh_story(article_id=article.pk)
    assert similar.pk not in ids(article) and other.pk not in ids(article)
    story(GRID_AGAIN + "<p>Ще одна.</p>")  # offered to the others: not to this one's list
    assert similar.pk not in ids(article)


def test_a_story_refusing_another_is_not_offered_it():
    older = story(GRID, hours_ago=10)
    newer = ArticleFactory(body=GRID_AGAIN, neighbours=False)
    NeighbourChoice.objects.create(article=older, story=newer, kind="exclude")
    neighbours.refresh_story(article_id=older.pk)
    neighbours.refresh_story(article_id=newer.pk)
    assert newer.pk not in ids(older)
    assert older.pk in ids(newer)


def test_a_pinned_story_comes_right_after_the_picks(article):
    similar = story(GRID_AGAIN)
    pinned = story(FOOTBALL, hours_ago=24 * 60)
    pick = story(OPERA)
    RelatedLinkFactory(article=article, target=pick, position=0)
    article.body = GRID
    article.save()
    NeighbourChoice.objects.create(article=article, story=pinned, kind="pin")
    neighbours.refresh_story(article_id=article.pk)
    assert ids(article)[:3] == [pick.pk, pinned.pk, similar.pk]


def test_an_outside_link_with_its_own_title(article):
    RelatedLink.objects.create(
        article=article, url="https://example.org/report", title="Звіт ООН", position=0
    )
    item = related_news(article)[0]
    assert (item.title, item.url, item.external) == ("Звіт ООН", "https://example.org/report", True)


def test_a_pick_keeps_its_own_title_and_the_target_s_teaser(article):
    target = ArticleFactory(body="<p>" + "слово " * 60 + "</p>")
    RelatedLinkFactory(article=article, target=target, position=0, title="Свій заголовок")
    item = related_news(article)[0]
    assert item.title == "Свій заголовок"
    assert item.teaser.endswith("…") and len(item.teaser) <= 151


def test_the_block_is_one_query_whatever_it_holds(article, django_assert_num_queries):
    for position in range(3):
        RelatedLinkFactory(article=article, target=ArticleFactory(), position=position)
    RelatedLink.objects.create(article=article, url="https://example.org/", title="x", position=5)
    for body in (GRID, GRID_AGAIN, OPERA, CINEMA):
        story(body)
    neighbours.refresh_story(article_id=article.pk)
    with django_assert_num_queries(1):
        assert len(related_news(article)) == 6
    with django_assert_num_queries(1):
        assert len(related_news(article, links=[])) == 6  # a draft's preview, no picks


def test_term_counts_follow_publishing_changes_and_deletion():
    def uses(word):
        return Term.objects.get(text=word).stories

    first = story(GRID)
    second = story(GRID_AGAIN)
    assert uses("укренерго") == 2
    assert uses("") == 2  # every story
    second.status = Article.Status.DRAFT
    second.save()
    neighbours.refresh_story(article_id=second.pk)
    assert uses("укренерго") == 1
    first.delete()
    assert uses("укренерго") == 0
    assert neighbours.recount_terms() == 0  # nothing drifted


def test_refresh_is_idempotent():
    story(GRID_AGAIN)
    story(OPERA)
    article = story(GRID)
    before = list(Neighbour.objects.filter(article=article).values_list("story", "score"))
    counts = dict(Term.objects.values_list("text", "stories"))
    neighbours.refresh_story(article_id=article.pk)
    assert list(Neighbour.objects.filter(article=article).values_list("story", "score")) == before
    assert dict(Term.objects.values_list("text", "stories")) == counts


def test_the_command_computes_what_is_missing_and_repairs_counts(capsys):
    first = story(GRID, refresh=False)
    second = story(GRID_AGAIN, refresh=False)
    call_command("refresh_related", "--dry-run")
    assert "2 story(ies) recomputed; nothing changed" in capsys.readouterr().out
    assert not StoryTerms.objects.exists()
    call_command("refresh_related")
    assert ids(first)[0] == second.pk and ids(second)[0] == first.pk
    Term.objects.filter(text="укренерго").update(stories=40)
    call_command("refresh_related")
    out = capsys.readouterr().out
    assert "1 term count(s) corrected; 0 story(ies) recomputed" in out
    assert Term.objects.get(text="укренерго").stories == 2


def test_fill_prefers_the_section_when_content_finds_too_few(article):
    other = story(OPERA, section=SectionFactory())
    same = story(CINEMA, section=article.section, hours_ago=5)
    neighbours.refresh_story(article_id=article.pk)
    shown = ids(article)
    assert shown.index(same.pk) < shown.index(other.pk)


def test_the_story_form_shows_the_six_readers_see_and_why(editor_client):
    article = story(GRID, tags=["енергетика"])
    similar = story(GRID_AGAIN, title="Укренерго відновлює підстанції", tags=["енергетика"])
    pick = story(OPERA, title="Нова вистава опери")
    RelatedLinkFactory(article=article, target=pick, position=0)
    html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    panel = html[html.index('class="other-news-shown"') :]
    assert panel.index("опери") < panel.index("Укренерго відновлює підстанції")
    assert "вибір редакції" in panel
    words = panel[panel.index("Укренерго відновлює підстанції") :].split("</li>")[0]
    assert "укренерго" in words and "енергетика" in words
    assert similar.pk in ids(article)


def test_an_editor_excludes_and_pins_from_the_story_form(
    editor_client, django_capture_on_commit_callbacks
):
    article = story(GRID)
    similar = story(GRID_AGAIN)
    unrelated = story(FOOTBALL, hours_ago=24 * 20)
    url = f"/admin/articles/article/{article.pk}/change/"
    changes = {
        "neighbour_choices-TOTAL_FORMS": "2",
        "neighbour_choices-0-story": str(similar.pk),
        "neighbour_choices-0-kind": "exclude",
        "neighbour_choices-1-story": str(unrelated.pk),
        "neighbour_choices-1-kind": "pin",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(editor_client, url, changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = ids(article)
    assert similar.pk not in shown
    assert shown[0] == unrelated.pk


def test_a_save_queues_the_computation_for_a_task_worker(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    older = story(GRID, hours_ago=5)
    article = ArticleFactory.build(body=GRID_AGAIN, section=older.section, slug="nova")
    with django_capture_on_commit_callbacks(execute=True):
        services.save_story(article=article)
    assert not Neighbour.objects.filter(article=article).exists()  # nothing in the save
    [queued] = default_task_backend.results
    assert queued.task.func is refresh_neighbours.func and queued.args == [article.pk]
    refresh_neighbours.call(*queued.args)  # what a worker runs, as often as it likes
    refresh_neighbours.call(*queued.args)
    assert ids(article)[0] == older.pk
    assert ids(older)[0] == article.pk


def test_a_story_first_in_a_quiet_hour_gets_the_stories_that_follow(section):
    first = story(GRID, section=section)
    assert ids(first) == []  # nothing else yet
    later = [story(OPERA + f"<p>{n}</p>", section=section) for n in range(3)]
    assert set(ids(first)) == {a.pk for a in later}
