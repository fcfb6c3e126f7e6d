"""Story search over the lemmatised search document.

PostgreSQL has no Ukrainian stemmer, so each story keeps a search document of its words
in dictionary form (pymorphy3 with the Ukrainian dictionaries). A query is lemmatised
the same way, so "Байден" finds "Байдена" and "безпека" finds "безпеки". On PostgreSQL
the document's tsvector is stored with the story (kept by a trigger, see migration 0005)
and matched through a GIN index; only the newest MAX_CANDIDATES matches are ranked, so a
common word over long stories costs what a rare one does. When nothing matches, trigram
similarity on headlines catches typos. On SQLite every query word must be contained in
the document.
"""

import difflib
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import text
from articles.delivery.content_version import content_version

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
MAX_CANDIDATES = 200  # the newest matches that are ranked; older ones are not shown
TRIGRAM_THRESHOLD = 0.4


def query_terms(query):
    """The query's words, each as the set of its dictionary forms."""
    query = text.strip_control(query or "")[:MAX_QUERY_LENGTH]
    return [set(text.lemmas(w)) for w in text.words(query)[:MAX_QUERY_WORDS]]


def _tsquery(terms):
    def quote(lemma):
        return "'" + lemma.replace("'", "''").replace("\\", "") + "'"

    return " & ".join("(" + " | ".join(quote(lem) for lem in sorted(t)) + ")" for t in terms)


def search(queryset, query):
    """Stories matching the query, best first; an empty or wordless query matches nothing."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor == "postgresql":
        tsquery = SearchQuery(_tsquery(terms), config="simple", search_type="raw")
        candidates = _newest_matches(queryset.filter(search_vector=tsquery))
        if candidates:
            return (
                queryset.filter(pk__in=candidates)
                .annotate(rank=SearchRank(F("search_vector"), tsquery))
                .order_by("-rank", "-published_at", "-id")
            )
        raw = " ".join(text.words(query)[:MAX_QUERY_WORDS])
        # %> (word similarity) can use the trigram index on headlines; the similarity
        # then orders what it found
        return (
            queryset.filter(title__trigram_word_similar=raw)
            .annotate(similarity=TrigramWordSimilarity(raw, "title"))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "-published_at")
        )
    return queryset.filter(_every_term(terms)).order_by("-published_at")


def _every_term(terms):
    """SQLite: the document holds some form of every query word (lemmas are lower case,
    so Cyrillic case folds here, where SQLite's LIKE would not fold it)."""
    condition = Q()
    for term in terms:
        alternatives = Q()
        for lemma in term:
            alternatives |= Q(search_document__contains=f" {lemma} ")
        condition &= alternatives
    return condition


def matching(queryset, query):
    """Every story of `queryset` with some form of every query word: no ranking, no limit
    (the admin's search, which keeps its own order)."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor == "postgresql":
        tsquery = SearchQuery(_tsquery(terms), config="simple", search_type="raw")
        return queryset.filter(search_vector=tsquery)
    return queryset.filter(_every_term(terms))


def _newest_matches(matching):
    """The ids of the MAX_CANDIDATES newest stories of `matching`, found through the GIN index.

    Asked as "newest first, stop at N", the planner may walk the publication index and
    test every story's vector on the way (reading each long text) until it has enough:
    for a rare word that is the whole archive; for a common one it prefers reading the
    whole table, not knowing that each vector it tests must be fetched apart. Matching
    first, in a materialised step with the table scan ruled out, keeps it on the index.
    """
    sql, params = matching.order_by().values_list("pk", "published_at").query.sql_with_params()
    statement = (
        f"WITH matching (id, published_at) AS MATERIALIZED ({sql}) SELECT id FROM matching "
        "ORDER BY published_at DESC, id DESC LIMIT %s"
    )
    with transaction.atomic(using=matching.db), connections[matching.db].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(statement, [*params, MAX_CANDIDATES])
        return [row[0] for row in cursor.fetchall()]


_TOKEN = re.compile(r"[\w'’ʼ]+")
HIGHLIGHT_TEXT_LIMIT = 10_000  # characters of a story looked at for its snippet


def snippet_text(body):
    """The part of a story's HTML body its search snippet is taken from, as plain text."""
    return text.html_to_text(body[: HIGHLIGHT_TEXT_LIMIT * 2])[:HIGHLIGHT_TEXT_LIMIT]


def highlight(plain, query, width=220):
    """A snippet of the text around the first match, matched words wrapped in <mark>."""
    plain = (plain or "")[:HIGHLIGHT_TEXT_LIMIT]
    wanted = set().union(*query_terms(query))

    def matches(word):
        return bool(wanted & set(text.lemmas(word)))

    first = next((m.start() for m in _TOKEN.finditer(plain) if matches(m.group())), 0)
    start, window, cut = _window(plain, first, width)
    parts = [
        f"<mark>{escape(token)}</mark>"
        if _TOKEN.fullmatch(token) and matches(token)
        else escape(token)
        for token in re.split(r"([\w'’ʼ]+)", _close_quotes(window))
        if token
    ]
    prefix = "… " if start else ""
    suffix = " …" if cut else ""
    return mark_safe(prefix + "".join(parts).strip() + suffix)


def _window(plain, first, width):
    """(start, text, cut) of the `width` characters shown around position `first`, from
    and to a whole word; `cut` if the text goes on after it."""
    start = max(0, first - width // 3)
    if start:
        start = plain.find(" ", start) + 1 or start
    window = plain[start : start + width]
    cut = start + width < len(plain)
    if cut:  # end on a whole word
        window = window[: window.rfind(" ")] if " " in window else window
        window = window.rstrip(" ,;:—–-(«„")
    return start, window, cut


QUOTES = (("«", "»"), ("„", "“"))


def _close_quotes(window):
    """A piece of text with the quotes it cut through opened and closed again."""
    for opening, closing in QUOTES:
        depth, unopened = 0, 0
        for char in window:
            if char == opening:
                depth += 1
            elif char == closing:
                if depth:
                    depth -= 1
                else:
                    unopened += 1
        window = opening * unopened + window + closing * depth
    return window


def _vocabulary(queryset):
    """The words of the newest headlines (longer than two letters), kept per content version."""
    from django.core.cache import cache

    key = f"search:vocabulary:{content_version()}"
    vocabulary = cache.get(key)
    if vocabulary is None:
        titles = queryset.order_by("-published_at").values_list("title", flat=True)
        found = {w for title in titles[:SUGGESTION_HEADLINES] for w in text.words(title)}
        vocabulary = sorted(w for w in found if len(w) > 2)
        cache.set(key, vocabulary, 3600)
    return vocabulary


def _nearest(word, lowered):
    """`word` if the headlines have it, else the nearest headline word, else `word`."""
    if word.lower() in lowered:
        return word
    close = difflib.get_close_matches(word.lower(), lowered, n=1, cutoff=0.75)
    return lowered[close[0]] if close else word


SUGGESTION_HEADLINES = 3000  # the newest headlines whose words are offered for a typo


def suggest(queryset, query):
    """The query with each unknown word replaced by the nearest headline word, or "".

    For a search that found nothing ("Байдне" → "Байден"), on any database: the words
    of the newest headlines, kept for the content version, compared with difflib.
    """

    words = text.words(text.strip_control(query)[:MAX_QUERY_LENGTH])[:MAX_QUERY_WORDS]
    if not words:
        return ""
    lowered = {w.lower(): w for w in _vocabulary(queryset)}
    better = [_nearest(word, lowered) for word in words]
    suggestion = " ".join(better)
    return "" if suggestion.lower() == " ".join(words).lower() else suggestion
