"""Editions: the Ukrainian one at `/` and the English one under `/en/`, one site.

A story is written in one language (Article.language). The site's languages
(settings.LANGUAGES) are its editions; a story in any other language (an archive's
Persian posts, say) belongs to the main edition (settings.LANGUAGE_CODE) and is served
there with its own `lang` and `dir`. A story is served in its edition only: no page
shows one language's text under another edition's address.
"""

import functools

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext as _


def codes():
    """The editions' language codes, the main one first."""
    return [code for code, _name in settings.LANGUAGES]


def main():
    return settings.LANGUAGE_CODE


def edition_of(language):
    """The edition a story in `language` belongs to."""
    return language if language in codes() else main()


def current():
    """The edition of the request being served (the language of its address)."""
    return edition_of(translation.get_language() or main())


def home(edition):
    """The address of the edition's front page ("/", "/en/"), as reverse() gives it."""
    return _home(edition, get_script_prefix())


@functools.cache
def _home(edition, _prefix):
    with translation.override(edition):
        return reverse("articles:home")


@receiver(setting_changed)
def _forget_homes(*, setting, **kwargs):
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE"}:
        _home.cache_clear()


def other_editions(edition):
    return [code for code in codes() if code != edition]


def language_choices():
    """Every language a story may be written in: the editions' first, then the others."""
    names = dict(ALL_LANGUAGES)
    first = [(code, _(names.get(code, code))) for code in codes()]
    rest = sorted(
        ((code, _(name)) for code, name in ALL_LANGUAGES if code not in codes()),
        key=lambda choice: str(choice[1]),
    )
    return first + rest


def direction(language):
    """ "rtl" for a language written right to left (Persian, Arabic, Hebrew…), else "ltr"."""
    try:
        return "rtl" if translation.get_language_info(language)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


def name(language):
    """The language's name in the interface's language ("англійська", "Persian")."""
    try:
        found = str(translation.get_language_info(language)["name_translated"])
    except KeyError:
        return language
    # Ukrainian writes languages' names in lower case, English capitalises them
    return found.lower() if translation.get_language() == "uk" else found


def locale(language):
    """The Open Graph locale of a language ("uk_UA", "en_GB")."""
    return {"uk": "uk_UA", "en": "en_GB"}.get(language) or translation.to_locale(language)
