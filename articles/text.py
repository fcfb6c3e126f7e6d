"""Text helpers: sanitising, teasers, slugs and the search document."""

import functools
import html
import re

import nh3
from django.conf import settings
from django.utils.html import strip_tags

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "a",
    "blockquote",
    "q",
    "cite",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "figure",
    "figcaption",
    "hr",
    "sub",
    "sup",
    "img",
    # code, corrections and tables, as archives (imported ones above all) hold them
    "pre",
    "code",
    "del",
    "ins",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
}
# Pictures inside a text come with imported stories (their copies in our storage).
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Footnotes (imported Gutenberg ones): a number links to its note and back, by these ids
# alone, so no text can name an id the page's own elements or scripts use.
FOOTNOTES_MAX = 500
FOOTNOTE_IDS = {
    "sup": {"id": {f"fnref-{n}" for n in range(1, FOOTNOTES_MAX + 1)}},
    "li": {"id": {f"fn-{n}" for n in range(1, FOOTNOTES_MAX + 1)}},
}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values=FOOTNOTE_IDS,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_BLOCK_TAG = re.compile(r"<\s*(p|blockquote|h[2-4]|ul|ol|figure)\b", re.IGNORECASE)
# Control characters (C0 but tab and newlines, DEL, C1) and lone surrogates: none is text,
# and not all can be stored in every database or written into XML (feeds, sitemaps).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_control(text):
    """Remove characters that have no place in text: controls (not tab or newlines), surrogates."""
    return _CONTROL.sub("", text)


def sanitize_html(value):
    """Clean editor or imported HTML: no script, event handler, style or foreign scheme."""
    return _cleaner.clean(strip_control(value or "")).strip()


def plain_text_to_html(text):
    """Turn text into paragraphs: blank lines or single newlines separate them.

    Inline markup (<b>, <a>) survives to the sanitiser; a stray "<" is escaped by it.
    """
    text = strip_control(text).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n+", text) if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def body_to_html(body):
    """Accept a body as HTML (with block elements) or as text, return sanitised HTML."""
    if _BLOCK_TAG.search(body or ""):
        return sanitize_html(body)
    return sanitize_html(plain_text_to_html(body or ""))


def html_to_text(value):
    """The readable text of an HTML fragment, whitespace collapsed."""
    spaced = re.sub(r"<(/p|br\s*/?|/h[2-4]|/li|/blockquote)>", " ", value or "", flags=re.I)
    return re.sub(r"\s+", " ", html.unescape(strip_tags(spaced))).strip()


# Pictures one after another in a (sanitised) text, where no attribute can be on <figure>:
# embeds' figures (articles.embeds) carry a class and are not pictures.
_GALLERY = re.compile(r"(?:<figure>(?:(?!</figure>).)*</figure>\s*){2,}", re.S)


def with_galleries(value):
    """A sanitised text with each run of two or more pictures wrapped as a gallery."""
    return _GALLERY.sub(lambda m: f'<div class="gallery">{m.group(0).strip()}</div>', value or "")


def make_teaser(text, length=None):
    """The opening of a text, cut on a word boundary and closed with an ellipsis."""
    length = length or settings.ARTICLES_TEASER_LENGTH
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= length:
        return text
    cut = text[: length + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:length]
    return cut.rstrip(" ,;:.—–-«\"'(") + "…"


@functools.cache
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="uk")


_WORD = re.compile(r"[\w'’ʼ]+", re.UNICODE)


@functools.lru_cache(maxsize=100_000)
def lemmas(word):
    """The possible dictionary forms of one word, lower case; unknown words stay as they are.

    A word form can belong to several lemmas ("Києві" is a form of "Київ" and of "кий");
    indexing and querying with all of them lets every form of a word find the others.
    """
    word = word.lower().replace("’", "'").replace("ʼ", "'")
    if not re.search(r"[а-яіїєґ]", word):
        return (word,)
    forms = dict.fromkeys(p.normal_form.replace("’", "'") for p in _morph().parse(word))
    return tuple(forms) or (word,)


# Parts of speech that say what a story is about: names, things, qualities, actions.
# Prepositions, conjunctions, particles, pronouns, numerals and adverbs do not.
CONTENT_POS = {"NOUN", "ADJF", "ADJS", "VERB", "INFN", "PRTF", "PRTS", "GRND"}
# Short and long names of the same thing, which no dictionary joins.
ALIASES = {
    "нбу": "нацбанк",
    "єс": "євросоюз",
    "рф": "росія",
    "nato": "нато",
    "eu": "євросоюз",
}


@functools.lru_cache(maxsize=200_000)
def content_lemmas(word):
    """The dictionary forms of a word that says what a text is about, or () for a word that
    does not (a preposition, a pronoun, a number). Latin words stay as they are."""
    word = word.lower().replace("’", "'").replace("ʼ", "'")
    if word in ALIASES:
        return (ALIASES[word],)
    if not re.search(r"[а-яіїєґ]", word):
        return (word,) if re.search(r"[a-z]", word) and len(word) > 1 else ()
    parses = [p for p in _morph().parse(word) if p.tag.POS in CONTENT_POS]
    forms = dict.fromkeys(p.normal_form.replace("’", "'") for p in parses)
    return tuple(ALIASES.get(form, form) for form in forms)


def words(text):
    """The words of a text worth indexing."""
    return [w for w in _WORD.findall(text or "") if len(w) > 1 or w.isdigit()]


def lemmatise(text):
    """Every word of a text in all its dictionary forms, space separated."""
    return " ".join(" ".join(lemmas(w)) for w in words(text))


# The part of a story's text that search indexes: longer than nearly any news story (some
# 4,000 words), far under PostgreSQL's 1 MB limit of a tsvector, and small enough that
# ranking the candidates of a common word reads little.
SEARCH_TEXT_LIMIT = 30_000


def search_document(*parts):
    """The search document of a story's headline, teaser and text: lemmas, space padded."""
    joined = " ".join(parts)[:SEARCH_TEXT_LIMIT]
    return f" {lemmatise(joined)} "


WORDS_PER_MINUTE = 200  # a reader of news on a screen


def reading_minutes(html):
    """Minutes to read a story's text (sanitised HTML), rounded up, at least one."""
    words = len(sanitized_html_to_text(html).split())
    return max(1, -(-words // WORDS_PER_MINUTE))


# A tag as the sanitiser writes it: every "<" of its output opens one (a "<" in text is
# written "&lt;"), and it quotes every attribute value with double quotes.
_SANITIZED_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
_TEXT_BREAKS = re.compile(r"<(/p|br\s*/?|/h[2-4]|/li|/blockquote)>", re.I)
_SPACES = re.compile(r"\s+")


def sanitized_html_to_text(value):
    """html_to_text() of sanitize_html()'s output: the same text, without an HTML parser."""
    spaced = _TEXT_BREAKS.sub(" ", value or "")
    return _SPACES.sub(" ", html.unescape(_SANITIZED_TAG.sub("", spaced))).strip()
