"""Ratings on stories: the rating block on story pages, the top-rated page, structured
data, and what the ratings' commands say of a story (the ratings app's own tests, on a
model of their own, are in ratings/tests/)."""

import pytest
from django.core.cache import cache

from ratings.models import Score
from ratings.services import Voter, cast_vote

pytestmark = pytest.mark.django_db


def vote(article, key, score, **voter):
    voter = Voter(cookie_id=key, **voter)
    return cast_vote(target=article, field="rating", voter=voter, score=score)


def test_widget_shows_half_stars_and_plural_votes(client, article):
    vote(article, "a", 5)
    vote(article, "b", 4)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "4,5 з 5" in html
    assert "2 голоси" in html
    assert html.count("star star-full") == 4 and html.count("star star-half") == 1
    # accessible form: fieldset, legend, five labelled radios
    assert "<fieldset>" in html and "<legend" in html
    assert html.count('type="radio"') == 5
    assert "5 зірок" in html and "1 зірка" in html


def test_widget_never_renders_the_readers_own_vote_into_the_shared_page(client, article):
    client.post(
        f"/ratings/articles.article/{article.pk}/rating/vote/",
        {"score": "3"},
        HTTP_ACCEPT="application/json",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'value="3" required checked' not in html and "checked" not in html


def test_jsonld_aggregate_rating_only_when_enabled(client, article, settings):
    vote(article, "a", 4)
    assert "AggregateRating" not in client.get(article.get_absolute_url()).content.decode()
    settings.RATINGS_JSONLD = True
    cache.clear()  # pages stored under the old setting
    html = client.get(article.get_absolute_url()).content.decode()
    assert '"@type": "AggregateRating"' in html and '"ratingCount": 1' in html
    vote(article, "b", 2)  # the score is in the page: no reader may get it stale
    assert '"ratingCount": 2' in client.get(article.get_absolute_url()).content.decode()


def test_top_rated_page_lists_stories(client, article):
    vote(article, "a", 5)
    html = client.get("/top/").content.decode()
    assert article.title in html and "1 голос" in html


def test_recompute_names_the_story_that_drifted(article):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    vote(article, "a", 4)
    Score.objects.filter(object_id=article.pk).update(count=2, total=9)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recompute_ratings", stdout=out)
    assert f"story {article.pk} “{article.title}”, rating: stored 2 votes" in out.getvalue()
