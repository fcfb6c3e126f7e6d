"""Parts every page repeats are rendered once per content version, and never outlive it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

from articles import fragments
from articles.delivery.content_version import STATE_KEY
from articles.models import Article
from tests.factories import ArticleFactory, RelatedLinkFactory, SectionFactory

pytestmark = pytest.mark.django_db


def page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def kept(name):
    return [key for key in fragments._kept if key[2] == name]


def test_a_related_storys_card_is_rendered_once_for_every_page_that_shows_it(client):
    shown = ArticleFactory(title="Енергетики відновили підстанцію")
    first, second = ArticleFactory(), ArticleFactory()
    RelatedLinkFactory(article=first, target=shown)
    RelatedLinkFactory(article=second, target=shown)
    assert "Енергетики відновили підстанцію" in page(client, first)
    cards = [key for key in kept("related-card") if key[3] == shown.pk]
    assert len(cards) == 1
    fragments._kept[cards[0]] = "<li>the kept card</li>"  # the next page must take it
    assert "<li>the kept card</li>" in page(client, second)


@pytest.mark.parametrize(
    ("field", "before", "after"),
    [
        ("title", "Енергетики відновили підстанцію", "Енергетики відновили дві підстанції"),
        ("teaser", "Ремонт тривав усю ніч.", "Ремонт тривав дві доби."),
    ],
)
def test_an_edit_to_a_related_story_shows_in_its_card_on_the_next_miss(
    client, field, before, after
):
    shown = ArticleFactory(**{field: before})
    first, second = ArticleFactory(), ArticleFactory()
    RelatedLinkFactory(article=first, target=shown)
    RelatedLinkFactory(article=second, target=shown)
    assert before in page(client, first)
    setattr(shown, field, after)
    shown.save()
    for story in (second, first):  # a page not stored yet, and one stored before the edit
        html = page(client, story)
        assert after in html
        assert before not in html


def test_an_unpublished_related_story_leaves_the_block_on_the_next_miss(client):
    shown = ArticleFactory(title="Енергетики відновили підстанцію")
    first, second = ArticleFactory(), ArticleFactory()
    RelatedLinkFactory(article=first, target=shown)
    RelatedLinkFactory(article=second, target=shown)
    page(client, first)
    shown.status = Article.Status.DRAFT
    shown.save()
    assert "Енергетики відновили підстанцію" not in page(client, second)


def test_a_renamed_section_shows_in_the_menu_on_the_next_miss(client):
    section = SectionFactory(name="Економіка", slug="ekonomika")
    first, second = ArticleFactory(section=section), ArticleFactory(section=section)
    assert ">Економіка</a>" in page(client, first)
    assert kept("sections")
    section.name = "Гроші"
    section.save()
    html = page(client, second)
    assert ">Гроші</a>" in html and ">Економіка</a>" not in html


def test_the_menu_marks_each_pages_own_section(client):
    news, sport = SectionFactory(name="Новини"), SectionFactory(name="Спорт")
    in_news, in_sport = ArticleFactory(section=news), ArticleFactory(section=sport)
    marked = f'href="{news.get_absolute_url()}" aria-current="page"'
    assert marked in page(client, in_news)
    html = page(client, in_sport)
    assert marked not in html
    assert f'href="{sport.get_absolute_url()}" aria-current="page"' in html


def test_a_miss_reads_only_the_storys_own_rows(client, django_assert_num_queries):
    ContentType.objects.get_for_model(Article)  # warm in any running process
    first, second = ArticleFactory(tags=["енергетика"]), ArticleFactory(tags=["енергетика"])
    RelatedLinkFactory(article=second, target=first)
    page(client, first)  # the content state and every repeated part, for this version
    assert cache.get(STATE_KEY) is not None
    # the story with its section, its tags, bylines, translations, Інші новини, its score
    with django_assert_num_queries(6):
        page(client, second)


def test_a_fragment_cannot_hold_a_block():
    from django.template import Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="cannot hold a {% block %}"):
        Template(
            '{% load articles_tags %}{% fragment "menu" %}{% block nav %}{% endblock %}'
            "{% endfragment %}"
        )


def test_a_pages_blocks_show_around_the_kept_parts(client):
    story = ArticleFactory(title="Блоки навколо частин")
    for _ in range(2):  # the parts rendered, then kept
        html = page(client, story)
        assert "<title>Блоки навколо частин — " in html and 'rel="canonical"' in html
        assert html.index('class="site-header"') < html.index("Блоки навколо частин</h1>")
        assert html.index("</h1>") < html.index('class="site-footer"')
