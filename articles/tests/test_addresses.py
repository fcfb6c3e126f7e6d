"""Addresses found without reverse() for each are reverse()'s own."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from articles.addresses import address, slug_address

ROUTES = ["articles:detail", "articles:section", "articles:author", "articles:tag"]
SLUGS = ["viina-onlain-107", "a", "Mixed_Case-2", "енергетика", "їжак-2026"]


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("language", ["uk", "en"])
def test_an_address_is_the_one_reverse_gives(name, language):
    for slug in SLUGS:
        if name != "articles:tag" and not slug.isascii():
            continue  # only tags take letters of any script
        with translation.override(language):
            expected = reverse(name, kwargs={"slug": slug})
            assert slug_address(name, slug) == expected
        assert slug_address(name, slug, language=language) == expected


def test_a_script_prefix_is_kept_in_the_address():
    try:
        set_script_prefix("/newsroom/")
        assert slug_address("articles:detail", "podiia") == "/newsroom/news/podiia/"
    finally:
        set_script_prefix("/")
    assert slug_address("articles:detail", "podiia") == "/news/podiia/"


@pytest.mark.parametrize("slug", ["", "a/b", "подія", "a b", "a?b"])
def test_a_slug_the_route_refuses_is_refused(slug):
    with pytest.raises(NoReverseMatch):
        slug_address("articles:detail", slug)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_an_address_by_id_is_the_one_reverse_gives(language):
    with translation.override(language):
        for pk in (1, 42, 10**12):
            expected = reverse("articles:count_view", kwargs={"pk": pk})
            assert address("articles:count_view", "pk", pk) == expected
        with pytest.raises(NoReverseMatch):
            address("articles:count_view", "pk", "abc")
