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
from django.db import connection
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import text
from articles.content_version import content_version

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
MAX_CANDIDATES = 500  # the newest matches that are ranked; older ones are not shown
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
        matching = queryset.filter(search_vector=tsquery)
        if matching.exists():
            newest = matching.order_by("-published_at", "-id").values("pk")[:MAX_CANDIDATES]
            return (
                queryset.filter(pk__in=newest)
                .annotate(rank=SearchRank(F("search_vector"), tsquery))
                .order_by("-rank", "-published_at", "-id")
            )
        raw = " ".join(text.words(query)[:MAX_QUERY_WORDS])
        return (
            queryset.annotate(similarity=TrigramWordSimilarity(raw, "title"))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "-published_at")
        )
    condition = Q()
    for term in terms:
        alternatives = Q()
        for lemma in term:
            alternatives |= Q(search_document__contains=f" {lemma} ")
        condition &= alternatives
    return queryset.filter(condition).order_by("-published_at")


def highlight(plain, query, width=220):
    """A snippet of the text around the first match, matched words wrapped in <mark>."""
    plain = (plain or "")[: text.SEARCH_TEXT_LIMIT]
    wanted = set().union(*query_terms(query))
    tokens = re.split(r"([\w'’ʼ]+)", plain)
    first = None
    for index, token in enumerate(tokens):
        if token and re.match(r"[\w'’ʼ]", token) and wanted & set(text.lemmas(token)):
            first = index
            break
    offset = len("".join(tokens[:first])) if first is not None else 0
    start = max(0, offset - width // 3)
    if start:
        start = plain.find(" ", start) + 1 or start
    window = plain[start : start + width]
    parts = []
    for token in re.split(r"([\w'’ʼ]+)", window):
        if token and re.match(r"[\w'’ʼ]", token) and wanted & set(text.lemmas(token)):
            parts.append(f"<mark>{escape(token)}</mark>")
        else:
            parts.append(escape(token))
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(plain) else ""
    return mark_safe(prefix + "".join(parts).strip() + suffix)


SUGGESTION_HEADLINES = 3000  # the newest headlines whose words are offered for a typo


def suggest(queryset, query):
    """The query with each unknown word replaced by the nearest headline word, or "".

    For a search that found nothing ("Байдне" → "Байден"), on any database: the words
    of the newest headlines, kept for the content version, compared with difflib.
    """
    from django.core.cache import cache

    words = text.words(text.strip_control(query)[:MAX_QUERY_LENGTH])[:MAX_QUERY_WORDS]
    if not words:
        return ""
    key = f"search:vocabulary:{content_version()}"
    vocabulary = cache.get(key)
    if vocabulary is None:
        titles = queryset.order_by("-published_at").values_list("title", flat=True)
        found = {w for title in titles[:SUGGESTION_HEADLINES] for w in text.words(title)}
        vocabulary = sorted(w for w in found if len(w) > 2)
        cache.set(key, vocabulary, 3600)
    known = {w.lower() for w in vocabulary}
    lowered = {w.lower(): w for w in vocabulary}
    better = []
    for word in words:
        if word.lower() in known:
            better.append(word)
            continue
        close = difflib.get_close_matches(word.lower(), lowered, n=1, cutoff=0.75)
        better.append(lowered[close[0]] if close else word)
    suggestion = " ".join(better)
    return "" if suggestion.lower() == " ".join(words).lower() else suggestion
