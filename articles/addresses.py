"""Addresses of stories, sections, tags and authors: reverse()'s answer, found faster.

A story page links to a dozen of them (Інші новини, its tags, bylines and section), and
reverse() costs more than the rest of a link. A route that takes one slug gives, for any
plain slug (ASCII letters, digits, hyphens and underscores, which no converter changes or
quotes), its prefix and suffix around the slug: reverse() itself finds them once per route,
language, script prefix and URLconf. Any other slug (a Cyrillic tag's) is reversed and the
answer kept; a slug the route refuses raises NoReverseMatch as reverse() does.
"""

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, override

PLAIN = re.compile(r"[-a-zA-Z0-9_]+")
MARK = "0slug0mark0"  # a plain slug: the route's own address around it


def slug_address(name, slug, *, language=None):
    """reverse(name, kwargs={"slug": slug}) in `language` (the current one by default)."""
    where = (language or get_language(), get_script_prefix(), get_urlconf())
    if PLAIN.fullmatch(slug):
        before, after = _around(name, *where)
        return f"{before}{slug}{after}"
    return _reversed(name, slug, *where)


@functools.lru_cache(maxsize=256)
def _around(name, language, script_prefix, urlconf):
    before, after = _reversed(name, MARK, language, script_prefix, urlconf).split(MARK)
    return before, after


@functools.lru_cache(maxsize=4096)
def _reversed(name, slug, language, script_prefix, urlconf):
    with override(language):
        return reverse(name, kwargs={"slug": slug}, urlconf=urlconf)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "FORCE_SCRIPT_NAME"):
        _around.cache_clear()
        _reversed.cache_clear()
