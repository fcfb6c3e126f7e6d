"""`language` and `translation_of` of import_articles' records: checked, then linked.

A record may name its language (a code such as "uk", "en", "fa"; "uk" when absent) and
the slug of the story it translates (in the same run, even later in it, or stored). The
original is no translation itself, is in another language, and has at most one
translation into each language.
"""

from django.core import validators

from articles import editions
from articles.models import Article

SLUG_MAX = Article._meta.get_field("slug").max_length
BAD_LANGUAGE = "must be a language code such as uk, en or fa"
UNKNOWN_ORIGINAL = "no story with slug {slug!r} exists or is imported"
SELF_TRANSLATION = "a story cannot be a translation of itself"
CHAINED = "story {slug!r} is itself a translation: name its original"
SAME_LANGUAGE = "story {slug!r} is in the same language"
TWICE = "story {slug!r} already has a translation into {language!r}"


def language(value, errors, line):
    """The record's language code ("uk" when absent), or "" with the problem noted."""
    if value is None:
        return editions.main()
    codes = {code for code, _name in editions.language_choices()}
    if not isinstance(value, str) or value.strip().lower() not in codes:
        errors.append(f"line {line}: language: {BAD_LANGUAGE}")
        return ""
    return value.strip().lower()


def original(value, slug, errors, line):
    """The slug of the story the record translates, or ""."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        errors.append(f"line {line}: translation_of: must be the slug of a story")
        return ""
    value = value.strip()
    if not validators.slug_unicode_re.match(value) or len(value) > SLUG_MAX:
        errors.append(f"line {line}: translation_of: must be the slug of a story")
        return ""
    if value == slug:
        errors.append(f"line {line}: translation_of: {SELF_TRANSLATION}")
    return value


def errors(records):
    """Every record's translation_of names an original that exists or is imported, is no
    translation itself, is in another language and is translated once per language."""
    by_slug = {record.slug: record for record in records}
    wanted = {r.translation_of for r in records if r.translation_of} - set(by_slug)
    stored = {
        story.slug: story
        for story in Article.objects.filter(slug__in=wanted).only(
            "slug", "language", "translation_of_id"
        )
    }
    taken = _stored_translations(records, by_slug)
    found = []
    for record in records:
        if not record.translation_of or record.translation_of == record.slug:
            continue
        problem = _problem(record, by_slug, stored, taken)
        if problem:
            found.append(f"line {record.line}: translation_of: {problem}")
    return found


def _stored_translations(records, by_slug):
    """{(original slug, language): slug of its translation} stored or in the run."""
    originals = {r.translation_of for r in records if r.translation_of}
    stored = Article.objects.filter(translation_of__slug__in=originals).exclude(
        slug__in=list(by_slug)
    )
    return {
        (original, language): slug
        for original, language, slug in stored.values_list(
            "translation_of__slug", "language", "slug"
        )
    }


def _problem(record, by_slug, stored, taken):
    slug = record.translation_of
    original = by_slug.get(slug) or stored.get(slug)
    if original is None:
        return UNKNOWN_ORIGINAL.format(slug=slug)
    is_translation = (
        bool(original.translation_of) if slug in by_slug else original.translation_of_id is not None
    )
    if is_translation:
        return CHAINED.format(slug=slug)
    if original.language == record.language:
        return SAME_LANGUAGE.format(slug=slug)
    other = taken.setdefault((slug, record.language), record.slug)
    if other != record.slug:
        return TWICE.format(slug=slug, language=record.language)
    return None


def link(records, by_slug):
    """Point each imported translation at its original; the ids of stories changed."""
    changed = []
    for record in records:
        article = by_slug[record.slug]
        wanted = by_slug[record.translation_of].pk if record.translation_of else None
        if article.translation_of_id != wanted:
            Article.objects.filter(pk=article.pk).update(translation_of_id=wanted)
            article.translation_of_id = wanted
            changed.append(article.pk)
    return changed
