"""The rating block: the numbers filled into its pattern read as the block rendered for them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import translation

from ratings.services import Result
from ratings.tests.models import Recipe
from ratings.widget import CSRF_SLOT, _SignedIn, _widget_html, widget_context

SCORES = [(0, 0), (1, 1), (1, 5), (2, 7), (3, 11), (4, 13), (21, 80), (1000, 4321), (7, 35)]


@pytest.mark.parametrize("language", ["uk", "en"])
@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize(("count", "total"), SCORES)
def test_the_block_filled_in_is_the_block_rendered_for_its_numbers(
    language, signed_in, count, total
):
    with translation.override(language):
        rendered = render_to_string(
            "ratings/rating_widget.html",
            widget_context(
                Recipe(pk=42),
                Result(count, total, None),
                csrf_token=CSRF_SLOT if signed_in else None,
                user=_SignedIn() if signed_in else AnonymousUser(),
            ),
        )
        filled = _widget_html(
            "ratings_tests.recipe", 42, "rating", language, count, total, signed_in
        )
    assert filled == rendered
    assert "__ratings_" not in filled.replace(CSRF_SLOT, "").replace("__ratings_announce__", "")


def test_the_numbers_are_the_objects_own():
    with translation.override("uk"):
        html = _widget_html("ratings_tests.recipe", 7, "rating", "uk", 2, 7, False)
    assert "3,5 з 5" in html and "2 голоси" in html and "/ratings/ratings_tests.recipe/7/" in html
    assert html.count("star-full") == 3 and html.count("star-half") == 1
