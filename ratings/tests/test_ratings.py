"""The ratings services, widget, ranking and ops commands."""

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import Article
from ratings.models import Score, Vote
from ratings.ranking import top_rated
from ratings.services import VoteError, Voter, cast_vote
from tests.conftest import require_postgres
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def vote(article, key, score, **voter):
    voter = Voter(cookie_id=key, **voter)
    return cast_vote(target=article, field="rating", voter=voter, score=score)


def test_database_refuses_a_second_vote_by_the_same_voter(article):
    vote(article, "reader-1", 4)
    ct = ContentType.objects.get_for_model(Article)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(content_type=ct, object_id=article.pk, cookie_id="reader-1", score=3)


def test_database_refuses_a_score_out_of_range(article):
    ct = ContentType.objects.get_for_model(Article)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(content_type=ct, object_id=article.pk, cookie_id="x", score=0)


def test_service_validates_the_range(article):
    with pytest.raises(VoteError):
        vote(article, "r", 6)
    assert not Vote.objects.exists()


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


def test_top_rated_uses_the_bayesian_average(section):
    one_five = ArticleFactory(section=section, title="Один голос 5")
    many = ArticleFactory(section=section, title="Багато 4.8")
    for n in range(500):
        vote(many, f"m{n}", 5 if n % 5 else 4)  # average 4.8
    vote(one_five, "solo", 5)
    ct = ContentType.objects.get_for_model(Article)
    for _ in range(10):  # the rest of the site: 30 votes averaging 3 each
        other = ArticleFactory(section=section)
        Score.objects.create(content_type=ct, object_id=other.pk, count=30, total=90)
    ranked = list(top_rated(Article.objects.published()))
    assert ranked[0] == many
    assert ranked[1] == one_five


def test_top_rated_ties_are_broken_by_vote_count(section):
    fewer = ArticleFactory(section=section)
    more = ArticleFactory(section=section)
    for n in range(2):
        vote(fewer, f"f{n}", 3)
    for n in range(4):
        vote(more, f"m{n}", 3)
    assert list(top_rated(Article.objects.published()))[:2] == [more, fewer]


def test_top_rated_page_lists_stories(client, article):
    vote(article, "a", 5)
    html = client.get("/top/").content.decode()
    assert article.title in html and "1 голос" in html


def test_recompute_finds_and_fixes_drift(article):
    vote(article, "a", 5)
    vote(article, "b", 3)
    Score.objects.update(count=7, total=9)
    with pytest.raises(CommandError):
        call_command("recompute_ratings")
    call_command("recompute_ratings", "--fix")
    score = Score.objects.get()
    assert (score.count, score.total) == (2, 8)
    call_command("recompute_ratings")  # clean now: no error


def test_anonymise_drops_identities_and_keeps_totals(article):
    vote(article, "old", 5, address_hash="h1")
    vote(article, "new", 3, address_hash="h2")
    Vote.objects.filter(cookie_id="old").update(
        created_at=timezone.now() - timezone.timedelta(days=40)
    )
    call_command("anonymise_votes", "--older-than", "30")
    old = Vote.objects.get(score=5)
    assert old.cookie_id is None and old.address_hash is None
    assert Vote.objects.get(score=3).cookie_id == "new"
    assert Score.objects.get().count == 2
    call_command("recompute_ratings")


def test_anonymise_refuses_nonsense():
    with pytest.raises(CommandError):
        call_command("anonymise_votes", "--older-than", "0")


@pytest.mark.django_db(transaction=True)
def test_concurrent_voters_on_postgresql_lose_nothing_and_count_nothing_twice():
    require_postgres()
    article = ArticleFactory()
    voters = 60
    barrier = threading.Barrier(voters)
    errors = []

    def cast(n):
        try:
            barrier.wait()
            # half the voters vote twice at once: a change, never a second vote
            vote(article, f"voter-{n % (voters // 2)}", 1 + n % 5)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(n,)) for n in range(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    score = Score.objects.get(object_id=article.pk)
    real = list(Vote.objects.filter(object_id=article.pk).values_list("score", flat=True))
    assert len(real) == voters // 2
    assert (score.count, score.total) == (len(real), sum(real))


def test_several_rated_fields_on_one_model_are_independent(client, article, monkeypatch):
    from ratings import registry

    monkeypatch.setitem(
        registry._registry,
        ("articles.article", "accuracy"),
        registry.RatingOptions(range=10, allow_anonymous=True, can_change_vote=False),
    )
    vote(article, "reader", 4)
    cast_vote(target=article, field="accuracy", voter=Voter(cookie_id="reader"), score=9)
    response = client.post(
        f"/ratings/articles.article/{article.pk}/accuracy/vote/",
        {"score": "10"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"average": 9.5, "count": 2, "your_score": 10}
    scores = {s.field: (s.count, s.total) for s in Score.objects.filter(object_id=article.pk)}
    assert scores == {"rating": (1, 4), "accuracy": (2, 19)}
    with pytest.raises(VoteError) as exc:  # this field forbids changing a vote
        cast_vote(target=article, field="accuracy", voter=Voter(cookie_id="reader"), score=3)
    assert exc.value.status == 409


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
