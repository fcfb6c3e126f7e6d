"""Demo news that reads like news: agreement, the right sections, whole-sentence teasers."""

import pytest
from django.core.management import call_command

from articles.models import Article
from demo import content as demo
from ratings.models import Score

pytestmark = pytest.mark.django_db


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
