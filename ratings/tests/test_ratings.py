"""The ratings services, ranking and ops commands, on the tests' own model (Recipe)."""

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ratings.models import Score, Vote
from ratings.ranking import top_rated
from ratings.services import VoteError, Voter, cast_vote
from ratings.tests.models import Recipe
from tests.support import require_postgres

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ratings.tests.urls")]


def vote(recipe, key, score, **voter):
    voter = Voter(cookie_id=key, **voter)
    return cast_vote(target=recipe, field="rating", voter=voter, score=score)


def test_database_refuses_a_second_vote_by_the_same_voter(recipe):
    vote(recipe, "reader-1", 4)
    ct = ContentType.objects.get_for_model(Recipe)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(content_type=ct, object_id=recipe.pk, cookie_id="reader-1", score=3)


def test_database_refuses_a_score_out_of_range(recipe):
    ct = ContentType.objects.get_for_model(Recipe)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(content_type=ct, object_id=recipe.pk, cookie_id="x", score=0)


def test_service_validates_the_range(recipe):
    with pytest.raises(VoteError):
        vote(recipe, "r", 6)
    assert not Vote.objects.exists()


def test_top_rated_uses_the_bayesian_average(db):
    one_five = Recipe.objects.create(title="Один голос 5")
    many = Recipe.objects.create(title="Багато 4.8")
    for n in range(500):
        vote(many, f"m{n}", 5 if n % 5 else 4)  # average 4.8
    vote(one_five, "solo", 5)
    ct = ContentType.objects.get_for_model(Recipe)
    for _ in range(10):  # the rest of the site: 30 votes averaging 3 each
        other = Recipe.objects.create(title="Інший")
        Score.objects.create(content_type=ct, object_id=other.pk, count=30, total=90)
    ranked = list(top_rated(Recipe.objects.all()))
    assert ranked[0] == many
    assert ranked[1] == one_five


def test_top_rated_ties_are_broken_by_vote_count(db):
    fewer = Recipe.objects.create(title="Інший")
    more = Recipe.objects.create(title="Інший")
    for n in range(2):
        vote(fewer, f"f{n}", 3)
    for n in range(4):
        vote(more, f"m{n}", 3)
    assert list(top_rated(Recipe.objects.all()))[:2] == [more, fewer]


def test_recompute_finds_and_fixes_drift(recipe):
    vote(recipe, "a", 5)
    vote(recipe, "b", 3)
    Score.objects.update(count=7, total=9)
    with pytest.raises(CommandError):
        call_command("recompute_ratings")
    call_command("recompute_ratings", "--fix")
    score = Score.objects.get()
    assert (score.count, score.total) == (2, 8)
    call_command("recompute_ratings")  # clean now: no error


def test_anonymise_drops_identities_and_keeps_totals(recipe):
    vote(recipe, "old", 5, address_hash="h1")
    vote(recipe, "new", 3, address_hash="h2")
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
    recipe = Recipe.objects.create(title="Борщ")
    vote(recipe, "first", 3)  # the Score row exists: every voter below waits for its lock
    voters = 60
    barrier = threading.Barrier(voters)
    errors = []

    def cast(n):
        try:
            barrier.wait()
            # half the voters vote twice at once: a change, never a second vote
            vote(recipe, f"voter-{n % (voters // 2)}", 1 + n % 5)
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
    score = Score.objects.get(object_id=recipe.pk)
    real = list(Vote.objects.filter(object_id=recipe.pk).values_list("score", flat=True))
    assert len(real) == voters // 2 + 1
    assert (score.count, score.total) == (len(real), sum(real))


def test_several_rated_fields_on_one_model_are_independent(client, recipe, monkeypatch):
    from ratings import registry

    monkeypatch.setitem(
        registry._registry,
        ("ratings_tests.recipe", "accuracy"),
        registry.RatingOptions(range=10, allow_anonymous=True, can_change_vote=False),
    )
    vote(recipe, "reader", 4)
    cast_vote(target=recipe, field="accuracy", voter=Voter(cookie_id="reader"), score=9)
    response = client.post(
        f"/ratings/ratings_tests.recipe/{recipe.pk}/accuracy/vote/",
        {"score": "10"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"average": 9.5, "count": 2, "your_score": 10}
    scores = {s.field: (s.count, s.total) for s in Score.objects.filter(object_id=recipe.pk)}
    assert scores == {"rating": (1, 4), "accuracy": (2, 19)}
    with pytest.raises(VoteError) as exc:  # this field forbids changing a vote
        cast_vote(target=recipe, field="accuracy", voter=Voter(cookie_id="reader"), score=3)
    assert exc.value.status == 409
