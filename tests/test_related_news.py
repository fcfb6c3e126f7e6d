"""Інші новини: editor's picks first, then the automatic fill, never the wrong stories."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from articles.models import Article, RelatedLink
from articles.related import related_news
from tests.factories import ArticleFactory, RelatedLinkFactory, SectionFactory

pytestmark = pytest.mark.django_db


def titles(items):
    return [item.title for item in items]


def test_curated_links_come_first_in_the_editors_order(article):
    third = ArticleFactory(title="Третя")
    first = ArticleFactory(title="Перша")
    RelatedLinkFactory(article=article, target=third, position=2)
    RelatedLinkFactory(article=article, target=first, position=1)
    assert titles(related_news(article))[:2] == ["Перша", "Третя"]


def test_fill_tops_up_to_six(article):
    RelatedLinkFactory(article=article, target=ArticleFactory(title="Вибір"), position=0)
    ArticleFactory.create_batch(10, section=article.section)
    items = related_news(article)
    assert len(items) == 6
    assert items[0].title == "Вибір"


def test_fill_prefers_shared_tags_then_same_section_then_newest(article):
    article.tags.set(["енергетика"])
    now = timezone.now()
    other_section = SectionFactory()
    newest_unrelated = ArticleFactory(section=other_section, published_at=now)
    same_section = ArticleFactory(
        section=article.section, published_at=now - timezone.timedelta(hours=3)
    )
    tagged = ArticleFactory(
        section=other_section,
        published_at=now - timezone.timedelta(days=2),
        tags=["енергетика"],
    )
    items = related_news(article)
    assert [i.article_id for i in items[:3]] == [tagged.pk, same_section.pk, newest_unrelated.pk]


def test_never_self_drafts_future_or_duplicates(article):
    draft = ArticleFactory(status=Article.Status.DRAFT, section=article.section)
    future = ArticleFactory(
        section=article.section, published_at=timezone.now() + timezone.timedelta(hours=2)
    )
    good = ArticleFactory(section=article.section)
    RelatedLinkFactory(article=article, target=good, position=0)
    RelatedLinkFactory(article=article, target=good, position=1)
    RelatedLinkFactory(article=article, target=draft, position=2)
    RelatedLinkFactory(article=article, target=future, position=3)
    ids = [item.article_id for item in related_news(article)]
    assert ids == [good.pk]  # nothing else is public
    assert article.pk not in ids


def test_fill_ignores_stories_older_than_the_configured_age(article, settings):
    settings.ARTICLES_RELATED_MAX_AGE_DAYS = 30
    old = ArticleFactory(
        section=article.section, published_at=timezone.now() - timezone.timedelta(days=31)
    )
    recent = ArticleFactory(section=article.section)
    ids = [item.article_id for item in related_news(article)]
    assert recent.pk in ids
    assert old.pk not in ids


def test_external_link_with_its_own_title(article):
    RelatedLink.objects.create(
        article=article, url="https://example.org/report", title="Звіт ООН", position=0
    )
    item = related_news(article)[0]
    assert (item.title, item.url, item.external) == ("Звіт ООН", "https://example.org/report", True)


def test_related_item_carries_the_teaser_of_the_target(article):
    target = ArticleFactory(body="<p>" + "слово " * 60 + "</p>")
    RelatedLinkFactory(article=article, target=target, position=0)
    item = related_news(article)[0]
    assert item.teaser.endswith("…")
    assert len(item.teaser) <= 151


def test_related_news_queries_do_not_depend_on_links(article, django_assert_num_queries):
    ContentType.objects.get_for_model(Article)  # cached in any running process
    for position in range(6):
        RelatedLinkFactory(article=article, target=ArticleFactory(), position=position)
    # the links, the article's tags, then every story the block may show
    with django_assert_num_queries(3):
        assert len(related_news(article)) == 6
    article.related_links.all().delete()
    RelatedLinkFactory(article=article, target=ArticleFactory(), position=0)
    ArticleFactory.create_batch(8, section=article.section)
    # the same three with one link and the rest filled
    with django_assert_num_queries(3):
        assert len(related_news(article)) == 6


def test_fill_queries_stay_bounded_with_every_tier_needed(article, django_assert_num_queries):
    ContentType.objects.get_for_model(Article)
    article.tags.set(["енергетика"])
    now = timezone.now()
    tagged = ArticleFactory(tags=["енергетика"], published_at=now - timezone.timedelta(days=3))
    same_section = ArticleFactory(
        section=article.section, published_at=now - timezone.timedelta(days=2)
    )
    others = [
        ArticleFactory(published_at=now - timezone.timedelta(minutes=m)) for m in range(1, 31)
    ]
    # links, tags, then one query for all three tiers: sharing a tag, same section, any
    with django_assert_num_queries(3):
        items = related_news(article)
    assert [i.article_id for i in items] == [tagged.pk, same_section.pk] + [
        a.pk for a in others[:4]
    ]
    # with the tags already known (the story page has them) one query fewer
    tag_ids = list(article.tags.values_list("pk", flat=True))
    with django_assert_num_queries(2):
        assert [i.article_id for i in related_news(article, tag_ids=tag_ids)] == [
            i.article_id for i in items
        ]


def test_fill_looks_only_at_the_newest_candidates(article, settings):
    settings.ARTICLES_RELATED_CANDIDATES = 3
    article.tags.set(["енергетика"])
    now = timezone.now()
    older_tagged = ArticleFactory(
        tags=["енергетика"], published_at=now - timezone.timedelta(days=2)
    )
    newest = [ArticleFactory(published_at=now - timezone.timedelta(minutes=m)) for m in (1, 2, 3)]
    ids = [item.article_id for item in related_news(article)]
    # the tagged story is older than the three newest: outside the window entirely
    assert older_tagged.pk not in ids
    assert set(ids) <= {a.pk for a in newest} | {article.pk}
    assert article.pk not in ids
    settings.ARTICLES_RELATED_CANDIDATES = 10
    assert related_news(article)[0].article_id == older_tagged.pk
