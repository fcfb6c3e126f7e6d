"""Demo news that reads like news: agreement, the right sections, whole-sentence teasers."""

import re

import pytest
from django.core.management import call_command

from articles import text
from articles.models import Article
from demo import content as demo
from ratings.models import Score

pytestmark = pytest.mark.django_db


def sentences(story):
    """The story's sentences of some length, as a reader meets them."""
    plain = text.sanitized_html_to_text(story.body)
    return [s.strip() for s in re.split(r"(?<=[.!?»])\s+", plain) if len(s.strip()) > 20]


def test_verbs_agree_with_their_subjects():
    assert demo.verb("ухвалив", "f") == "ухвалила"
    assert demo.verb("ухвалив", "n") == "ухвалило"
    assert demo.verb("відклав", "pl") == "відклали"
    headlines = demo.headlines("ukraina")
    assert "Київська міська рада ухвалила рішення щодо ремонту доріг" in headlines
    assert "Харківські волонтери представили план підтримки ветеранів" in headlines
    assert not any(" представив " in h for h in headlines if h.startswith("Харківські"))


def test_a_teaser_ends_on_a_sentence():
    paragraphs = ["Перше речення тут. Друге речення теж. " + "Третє дуже довге " * 10 + "."]
    assert demo.teaser(paragraphs) == "Перше речення тут. Друге речення теж."


def test_seed_demo_makes_n_stories_in_all_and_a_second_run_adds_nothing(settings):
    call_command("seed_demo", articles=25, no_editor=True, verbosity=0)
    assert Article.objects.count() == 25
    votes = sum(Score.objects.values_list("count", flat=True))
    titles = list(Article.objects.values_list("title", flat=True))
    call_command("seed_demo", articles=25, no_editor=True, verbosity=0)
    assert Article.objects.count() == 25
    assert sum(Score.objects.values_list("count", flat=True)) == votes
    assert len(set(titles)) == 25  # no headline twice
    sections = {title: section for section in demo.BULK for title in demo.headlines(section)}
    for story in Article.objects.select_related("section"):
        if story.title in sections:
            assert story.section.slug == sections[story.title]
        assert story.excerpt.endswith((".", "!", "?")), story.excerpt
    call_command("seed_demo", articles=30, no_editor=True, verbosity=0)
    assert Article.objects.count() == 30


def test_seed_demo_run_again_changes_nothing_an_editor_did(settings):
    from django.utils import timezone

    from articles.models import Section

    call_command("seed_demo", articles=15, no_editor=True, verbosity=0)
    story = Article.objects.order_by("-published_at").first()
    story.title, story.status = "Заголовок, який змінила редакторка", Article.Status.DRAFT
    story.save()
    story.authors.clear()
    Section.objects.filter(pk=story.section_id).update(colour="#123456")

    def state():
        return sorted(
            (
                a.pk,
                a.title,
                a.body,
                a.status,
                a.published_at,
                a.updated_at,
                a.section.colour,
                tuple(a.authors.values_list("pk", flat=True)),
                tuple(sorted(a.tags.values_list("name", flat=True))),
            )
            for a in Article.objects.select_related("section")
        )

    before = state()
    call_command("seed_demo", articles=15, no_editor=True, verbosity=0)
    assert state() == before
    assert Article.objects.get(pk=story.pk).published_at < timezone.now()


def test_no_demo_story_says_the_same_sentence_twice(settings):
    call_command("seed_demo", articles=60, no_editor=True, verbosity=0)

    repeated = {
        story.slug: said
        for story in Article.objects.all()
        if len(said := sentences(story)) != len(set(said))
    }

    assert repeated == {}


def test_seed_demo_fills_the_english_edition_with_linked_translations(settings, client):
    call_command("seed_demo", articles=25, no_editor=True, verbosity=0)
    english = Article.objects.filter(language="en")
    assert english.count() == len(demo.TRANSLATIONS)
    assert all(story.translation_of.language == "uk" for story in english)
    page = client.get("/en/").content.decode()
    for story in english:
        assert story.title in page
        original = client.get(story.translation_of.get_absolute_url()).content.decode()
        assert 'hreflang="en"' in original
    call_command("seed_demo", articles=25, no_editor=True, verbosity=0)
    assert Article.objects.filter(language="en").count() == len(demo.TRANSLATIONS)
    call_command("seed_demo", articles=3, no_editor=True, verbosity=0)  # no room: none more
