"""Multilingual WordPress sites: each post's language and its translations, from Polylang
or WPML, brought into the site's editions.

Polylang marks a post's language with a term of the `language` taxonomy (its slug: "en",
"fa") and its translation group with one of `post_translations`. WPML's export (WPML
Export and Import) writes post meta: `_wpml_import_language_code`,
`_wpml_import_source_language_code` (set on translations) and
`_wpml_import_translation_group`. Each language goes into its edition (a language the
site has no edition for, into the main one, written with its own `lang` and `dir`); in
each group, one post is the original and the others its translations.
"""

from collections import defaultdict

from articles import editions
from articles.models import Article
from articles.typography import typography
from imports.wordpress.reader import _first

POLYLANG_LANGUAGE = "language"
POLYLANG_GROUP = "post_translations"
WPML_LANGUAGE = "_wpml_import_language_code"
WPML_SOURCE = "_wpml_import_source_language_code"
WPML_GROUP = "_wpml_import_translation_group"


def code(raw):
    """Our language code for a plugin's ("en", "en_US", "pt-br" → "en", "en", "pt-br"), or ""
    for one we do not know."""
    value = (raw or "").strip().lower().replace("_", "-")
    if not value:
        return ""
    # the codes alone: language_choices() would translate and sort ~100 names a post
    known = {*editions.codes(), *(choice for choice, _name in editions.ALL_LANGUAGES)}
    if value in known:
        return value
    base = value.split("-", 1)[0]
    return base if base in known else ""


def post_language(item):
    """(the post's language code or "", the plugin's own value) by Polylang or WPML."""
    for domain, nicename, _name in item.terms:
        if domain == POLYLANG_LANGUAGE and nicename:
            return code(nicename), nicename
    raw = _first(item.meta, WPML_LANGUAGE) or ""
    return code(raw), raw


def group_of(item):
    """The post's translation group ("" when it has none)."""
    for domain, nicename, _name in item.terms:
        if domain == POLYLANG_GROUP and nicename:
            return f"polylang:{nicename}"
    group = _first(item.meta, WPML_GROUP)
    return f"wpml:{group}" if group else ""


def typeset(language, value, *, html=False):
    """Ukrainian typography for Ukrainian text; another language's text as it is."""
    if language != "uk":
        return value
    return typography(value, html=html)


class Translations:
    """The languages and translation groups of a run's posts, applied once they are written."""

    def __init__(self, report):
        self.report = report
        self.languages = defaultdict(list)  # language -> WordPress post ids
        self.groups = defaultdict(list)  # group -> [(post id, language, is a translation)]

    def note(self, item, label):
        """Note the post's language and group; its language (the main one when it has none)."""
        language, raw = post_language(item)
        if raw and not language:
            self.report.note(f"languages not known, stories put in {editions.main()!r}", label)
        language = language or editions.main()
        if raw:
            self.languages[language].append(item.post_id)
            self.report.note(f"stories in language {language!r}")
        group = group_of(item)
        if group:
            translated = bool(_first(item.meta, WPML_SOURCE))
            self.groups[group].append((item.post_id, language, translated))
        return language

    def apply(self):
        """Set the written stories' languages and link each group's translations."""
        for language, ids in self.languages.items():
            stories = Article.objects.filter(wordpress__wordpress_id__in=ids)
            stories.exclude(language=language).update(language=language)
        stories = dict(
            Article.objects.filter(
                wordpress__wordpress_id__in=[pk for g in self.groups.values() for pk, *_ in g]
            ).values_list("wordpress__wordpress_id", "pk")
        )
        for group, members in self.groups.items():
            self._link([m for m in members if m[0] in stories], stories, group)

    def _link(self, members, stories, group):
        """One group: its original (the main language's post, or the one WPML names as the
        source, or the earliest) and its translations pointing at it."""
        if len(members) < 2:
            return
        original = min(members, key=_original_first)
        seen = {original[1]}
        for post_id, language, _translated in members:
            if post_id == original[0]:
                continue
            if language in seen:
                self.report.note("translations in a language twice: not linked", group)
                continue
            seen.add(language)
            updated = (
                Article.objects.filter(pk=stories[post_id])
                .exclude(translation_of_id=stories[original[0]])
                .update(translation_of_id=stories[original[0]])
            )
            self.report.note("translations linked to their originals")
            if updated:
                self.report.note("translation links new or changed")
        Article.objects.filter(pk=stories[original[0]]).update(translation_of=None)


def _original_first(member):
    """Sorts a group's original first: not marked a translation, in the main edition, in
    the main language, then the earliest post."""
    post_id, language, translated = member
    main = editions.main()
    return (translated, editions.edition_of(language) != main, language != main, post_id)
