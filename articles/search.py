"""Story search over the lemmatised search document.

PostgreSQL has no Ukrainian stemmer, so each story keeps a search document of its words
in dictionary form (pymorphy3 with the Ukrainian dictionaries). A query is lemmatised
the same way, so "Байден" finds "Байдена" and "безпека" finds "безпеки". On PostgreSQL
the document is matched through a GIN full-text index and ranked; when nothing matches,
trigram similarity on headlines catches typos. On SQLite every query word must be
contained in the document.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, TextField
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import text

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
TRIGRAM_THRESHOLD = 0.4


class SimpleVector(Func):
    """to_tsvector('simple', search_document): the exact expression of the GIN index."""

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


class Matches(Func):
    """vector @@ query, usable in filter()."""

    arg_joiner = " @@ "
    template = "%(expressions)s"
    output_field = BooleanField()


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
        vector = SimpleVector(F("search_document"))
        found = (
            queryset.filter(Matches(vector, tsquery))
            .annotate(rank=SearchRank(vector, tsquery))
            .order_by("-rank", "-published_at")
        )
        if found.exists():
            return found
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
    wanted = set().union(*query_terms(query))
    tokens = re.split(r"([\w'’ʼ]+)", plain or "")
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
