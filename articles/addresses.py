"""Addresses of stories, sections, tags and authors: reverse()'s answer, found faster.

A story page links to a dozen of them (Інші новини, its tags, bylines and section), and
reverse() costs more than the rest of a link. A route that takes one value (a slug, an
id) gives, for any plain value (ASCII letters, digits, hyphens and underscores, which no
converter changes or quotes), its prefix and suffix around the value: reverse() itself
finds them once per route, language, script prefix and URLconf. Any other value (a
Cyrillic tag's slug) is reversed and the answer kept; a value the route refuses raises
NoReverseMatch as reverse() does.
"""

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, override

PLAIN = re.compile(r"[-a-zA-Z0-9_]+")
MARK = "918273645546372819"  # a slug and an id alike: the route's own address around it


def slug_address(name, slug, *, language=None):
    """reverse(name, kwargs={"slug": slug}) in `language` (the current one by default)."""
    return address(name, "slug", slug, language=language)


def address(name, parameter, value, *, language=None):
    """reverse(name, kwargs={parameter: value}) in `language` (the current one by default)."""
    where = (language or get_language(), get_script_prefix(), get_urlconf())
    value = str(value)
    if PLAIN.fullmatch(value):
        before, after, takes_letters = _around(name, parameter, *where)
        if takes_letters or value.isdigit():
            return f"{before}{value}{after}"
    return _reversed(name, parameter, value, *where)


@functools.lru_cache(maxsize=256)
def _around(name, parameter, language, script_prefix, urlconf):
    """(prefix, suffix, whether the route takes more than digits) of the route."""
    found = _reversed(name, parameter, MARK, language, script_prefix, urlconf)
    before, after = found.split(MARK)
    try:
        _reversed(name, parameter, "a-Z_0", language, script_prefix, urlconf)
    except NoReverseMatch:
        return before, after, False  # an id's route (<int:…>)
    return before, after, True


@functools.lru_cache(maxsize=4096)
def _reversed(name, parameter, value, language, script_prefix, urlconf):
    with override(language):
        return reverse(name, kwargs={parameter: value}, urlconf=urlconf)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "FORCE_SCRIPT_NAME"):
        _around.cache_clear()
        _reversed.cache_clear()
