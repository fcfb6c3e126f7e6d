"""The vote endpoint: 303 or JSON on success; a clear 4xx and nothing recorded otherwise."""

import pytest
from django.test import Client
from django.urls import reverse

from ratings import registry
from ratings.models import Score, Vote
from ratings.tests.models import Recipe
from ratings.views import VOTER_COOKIE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ratings.tests.urls")]
JSON = {"HTTP_ACCEPT": "application/json"}


def vote_url(recipe, key="rating"):
    return reverse("ratings:vote", args=["ratings_tests.recipe", recipe.pk, key])


def totals(recipe):
    score = Score.objects.filter(object_id=recipe.pk).first()
    return (score.count, score.total) if score else (0, 0)


def test_json_vote_returns_average_count_and_own_score(client, recipe):
    response = client.post(vote_url(recipe), {"score": "4"}, **JSON)
    assert response.status_code == 200
    assert response.json() == {"average": 4.0, "count": 1, "your_score": 4}
    other = Client()
    response = other.post(vote_url(recipe), {"score": "5"}, **JSON)
    assert response.json() == {"average": 4.5, "count": 2, "your_score": 5}


def test_form_vote_redirects_back_to_the_page_with_a_message(client, recipe):
    response = client.post(vote_url(recipe), {"score": "5"})
    assert response.status_code == 303
    assert response["Location"] == recipe.get_absolute_url() + "#rating"
    page = client.get(response["Location"]).content.decode()
    assert "Дякуємо! Ваша оцінка: 5." in page
    assert "5 з 5" in page and "1 голос" in page


def test_average_is_rounded_to_two_decimals(recipe):
    for score in (5, 4, 4):
        Client().post(vote_url(recipe), {"score": score}, **JSON)
    response = Client().post(vote_url(recipe), {"score": "4"}, **JSON)
    assert response.json()["average"] == 4.25
    response = Client().post(vote_url(recipe), {"score": "1"}, **JSON)
    assert response.json()["average"] == 3.6


def test_changing_a_vote_adjusts_the_sum_not_the_count(client, recipe):
    client.post(vote_url(recipe), {"score": "2"}, **JSON)
    response = client.post(vote_url(recipe), {"score": "5"}, **JSON)
    assert response.json() == {"average": 5.0, "count": 1, "your_score": 5}
    assert totals(recipe) == (1, 5)
    assert Vote.objects.count() == 1


def test_signed_in_reader_votes_as_themself(client, recipe, reader):
    client.force_login(reader)
    client.post(vote_url(recipe), {"score": "3"}, **JSON)
    assert Vote.objects.get().user == reader


def test_raw_ip_address_is_never_stored(client, recipe):
    client.post(vote_url(recipe), {"score": "3"}, REMOTE_ADDR="203.0.113.9", **JSON)
    vote = Vote.objects.get()
    assert vote.address_hash and "203.0.113.9" not in vote.address_hash
    row = Vote.objects.values().get()
    assert not any("203.0.113.9" in str(v) for v in row.values())


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "Виберіть оцінку."),
        ({"score": ""}, 400, "ціл"),
        ({"score": "abc"}, 400, "ціл"),
        ({"score": "4.5"}, 400, "ціл"),
        ({"score": "０"}, 400, "ціл"),
        ({"score": "0"}, 400, "від 1 до 5"),
        ({"score": "6"}, 400, "від 1 до 5"),
        ({"score": "-1"}, 400, "від 1 до 5"),
        ({"score": "99999999999999999999"}, 400, "ціл"),
        ({"score": ["3", "4"]}, 400, "лише одну"),
    ],
)
def test_bad_scores_get_400_and_record_nothing(client, recipe, data, status, message):
    response = client.post(vote_url(recipe), data, **JSON)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert Vote.objects.count() == 0 and totals(recipe) == (0, 0)


def test_bad_score_without_javascript_gets_an_html_error_page(client, recipe):
    response = client.post(vote_url(recipe), {"score": "9"})
    assert response.status_code == 400
    assert "Оцінка має бути від 1 до 5." in response.content.decode()
    assert Vote.objects.count() == 0


@pytest.mark.parametrize(
    "args",
    [
        ["ratings_tests.recipe", "999999", "rating"],
        ["ratings_tests.recipe", "abc", "rating"],
        ["nosuch.model", "1", "rating"],
        ["auth.user", "1", "rating"],
        ["ratings_tests.recipe", "{pk}", "other"],
        ["justtext", "1", "rating"],
    ],
)
def test_unknown_object_or_type_gets_404(client, recipe, args):
    args = [a.format(pk=recipe.pk) for a in args]
    response = client.post(reverse("ratings:vote", args=args), {"score": "3"}, **JSON)
    assert response.status_code == 404
    assert response.json()["error"]
    assert Vote.objects.count() == 0


def test_an_object_readers_cannot_see_cannot_be_voted_on(client, recipe):
    recipe.public = False  # the registered `visible` queryset leaves it out
    recipe.save()
    assert client.post(vote_url(recipe), {"score": "3"}, **JSON).status_code == 404
    assert Vote.objects.count() == 0


def test_get_is_not_allowed(client, recipe):
    assert client.get(vote_url(recipe)).status_code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_cross_site_votes_are_refused_and_record_nothing(recipe, headers):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(vote_url(recipe), {"score": "3"}, **headers, **JSON)
    assert response.status_code == 403  # the project's CSRF_FAILURE_VIEW words it
    assert Vote.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed or bookmarked by the reader
        {"HTTP_ORIGIN": "http://testserver"},  # an older browser: Origin only
        {},  # neither header: not a browser, so no cross-site forgery
    ],
)
def test_same_origin_votes_need_no_token(recipe, headers):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(vote_url(recipe), {"score": "3"}, **headers, **JSON)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_signed_in_voter_also_needs_the_csrf_token(recipe, reader):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader)
    same_origin = {"HTTP_SEC_FETCH_SITE": "same-origin", **JSON}
    refused = strict.post(vote_url(recipe), {"score": "3"}, **same_origin)
    assert refused.status_code == 403 and Vote.objects.count() == 0
    page = strict.get(recipe.get_absolute_url()).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    accepted = strict.post(
        vote_url(recipe), {"score": "3", "csrfmiddlewaretoken": token}, **same_origin
    )
    assert accepted.status_code == 200 and Vote.objects.get().user == reader


@pytest.fixture
def restrict(monkeypatch):
    def apply(**options):
        current = registry.options_for(Recipe, "rating")
        monkeypatch.setitem(
            registry._registry,
            ("ratings_tests.recipe", "rating"),
            registry.RatingOptions(**{**current.__dict__, **options}),
        )

    return apply


def test_anonymous_voting_can_be_turned_off(client, recipe, restrict, reader):
    restrict(allow_anonymous=False)
    response = client.post(vote_url(recipe), {"score": "3"}, **JSON)
    assert response.status_code == 403
    assert Vote.objects.count() == 0
    client.force_login(reader)
    assert client.post(vote_url(recipe), {"score": "3"}, **JSON).status_code == 200


def test_changing_a_vote_can_be_forbidden(client, recipe, restrict):
    restrict(can_change_vote=False)
    client.post(vote_url(recipe), {"score": "3"}, **JSON)
    response = client.post(vote_url(recipe), {"score": "5"}, **JSON)
    assert response.status_code == 409
    assert totals(recipe) == (1, 3)


def test_deleting_a_vote_only_where_allowed(client, recipe, restrict):
    client.post(vote_url(recipe), {"score": "3"}, **JSON)
    unvote = reverse("ratings:unvote", args=["ratings_tests.recipe", recipe.pk, "rating"])
    assert client.post(unvote, **JSON).status_code == 403
    assert totals(recipe) == (1, 3)
    restrict(allow_delete=True)
    response = client.post(unvote, **JSON)
    assert response.json() == {"average": 0.0, "count": 0, "your_score": None}
    assert totals(recipe) == (0, 0) and Vote.objects.count() == 0


def test_too_many_new_voters_from_one_address_get_429(recipe, settings):
    settings.RATINGS_VOTES_PER_ADDRESS = 3
    for _ in range(3):
        assert Client().post(vote_url(recipe), {"score": "4"}, **JSON).status_code == 200
    response = Client().post(vote_url(recipe), {"score": "4"}, **JSON)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert totals(recipe) == (3, 12)
    # another address is not affected
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(vote_url(recipe), {"score": "4"}, **JSON).status_code == 200


def test_zero_means_no_limit(recipe, settings):
    settings.RATINGS_VOTES_PER_ADDRESS = 0
    for _ in range(5):
        assert Client().post(vote_url(recipe), {"score": "4"}, **JSON).status_code == 200


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(recipe, settings):
    settings.RATINGS_VOTES_PER_ADDRESS = 1
    first = Client(REMOTE_ADDR="10.0.0.5")
    assert (
        first.post(
            vote_url(recipe), {"score": "4"}, HTTP_X_FORWARDED_FOR="1.1.1.1", **JSON
        ).status_code
        == 200
    )
    spoofed = Client(REMOTE_ADDR="10.0.0.5")
    response = spoofed.post(
        vote_url(recipe), {"score": "4"}, HTTP_X_FORWARDED_FOR="2.2.2.2", **JSON
    )
    assert response.status_code == 429  # same real address, header not believed
    settings.RATINGS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    behind_proxy = Client(REMOTE_ADDR="10.0.0.5")
    response = behind_proxy.post(
        vote_url(recipe), {"score": "4"}, HTTP_X_FORWARDED_FOR="3.3.3.3", **JSON
    )
    assert response.status_code == 200  # a different client behind our proxy


def test_forged_voter_cookie_starts_a_new_voter(recipe):
    client = Client()
    client.cookies[VOTER_COOKIE] = "forged:value"
    client.post(vote_url(recipe), {"score": "4"}, **JSON)
    cookie_id = Vote.objects.get().cookie_id
    assert cookie_id and "forged" not in cookie_id
    # the new signed cookie identifies the same voter next time: a change, not a second vote
    client.post(vote_url(recipe), {"score": "2"}, **JSON)
    assert Vote.objects.get().cookie_id == cookie_id
    assert totals(recipe) == (1, 2)


def test_own_vote_endpoint_is_private(client, recipe):
    client.post(vote_url(recipe), {"score": "2"}, **JSON)
    mine = reverse("ratings:mine", args=["ratings_tests.recipe", recipe.pk, "rating"])
    response = client.get(mine)
    assert response.json() == {"average": 2.0, "count": 1, "your_score": 2}
    assert "no-store" in response["Cache-Control"]
    assert Client().get(mine).json()["your_score"] is None


def test_a_vote_costs_a_fixed_number_of_queries(recipe, django_assert_num_queries):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Recipe)  # cached in any running process
    Client().post(vote_url(recipe), {"score": "3"}, **JSON)  # the Score row exists now
    # recipe, locked score, own vote, recent votes from the address, insert and update (the
    # lock and own vote one round trip on PostgreSQL, and so are insert and update; all but
    # the recipe in plain SQL, ratings.rows); the test's own transaction turns the vote's
    # BEGIN/COMMIT into a counted savepoint pair
    from django.db import connection

    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 8):
        response = Client().post(vote_url(recipe), {"score": "4"}, **JSON)
    assert response.json()["count"] == 2
