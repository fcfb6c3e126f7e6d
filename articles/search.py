"""Story search over the lemmatised search document.

PostgreSQL has no Ukrainian stemmer, so each story keeps a search document of its words
in dictionary form (pymorphy3 with the Ukrainian dictionaries). A query is lemmatised
the same way, so "Байден" finds "Байдена" and "безпека" finds "безпеки". On PostgreSQL
the document's tsvector is stored with the story (kept by a trigger, see migration 0005)
and copied, with the few columns a search filters and orders by, into a narrow table
(migration 0022) where a GIN index matches it: only the newest MAX_CANDIDATES matches
are ranked, and finding them reads small rows, so a common word over 100,000 stories
costs milliseconds. The number of all matches is told beside them. When nothing
matches, the headlines nearest by trigram word similarity are shown (a GiST index walks
them nearest first). On SQLite every query word must be contained in the document.
"""

import difflib
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import editions, text
from articles.delivery.content_version import content_version
from articles.models import Article

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
MAX_CANDIDATES = 200  # the newest matches that are ranked; older ones are not shown
TRIGRAM_THRESHOLD = 0.4


def load_dictionaries():
    """Load the lemmatiser's dictionaries now (about 50 ms), not on a reader's first search;
    called before the app server's workers fork, so they share one copy."""
    text.lemmas("пошук")


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
    return search_with_total(queryset, query)[0]


def search_with_total(queryset, query):
    """(stories, total): the stories `search` gives, and how many stories match in all.

    On PostgreSQL the candidates are the newest MAX_CANDIDATES matches among the current
    edition's public stories (`queryset` then narrows them), so the total may be larger
    than the stories; elsewhere it is None.
    """
    terms = query_terms(query)
    if not terms:
        return queryset.none(), 0
    if connection.vendor == "postgresql":
        candidates, total = _newest_matches(queryset.db, _tsquery(terms))
        if candidates:
            tsquery = SearchQuery(_tsquery(terms), config="simple", search_type="raw")
            found = (
                queryset.filter(pk__in=candidates, search_vector=tsquery)
                .annotate(rank=SearchRank(F("search_vector"), tsquery))
                .order_by("-rank", "-published_at", "-id")
            )
            return found, total
        raw = " ".join(text.words(query)[:MAX_QUERY_WORDS])
        candidates = _closest_headlines(queryset.db, raw)
        found = (
            queryset.filter(pk__in=candidates)
            .annotate(similarity=TrigramWordSimilarity(raw, "title"))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "-published_at")
        )
        return found, None
    found = queryset.filter(_every_term(terms)).order_by("-published_at")
    return found, None


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


ENTRIES = "articles_search_entry"  # see migration 0022


def _public_in_edition():
    """The SQL condition (and its parameters) on ENTRIES for what
    `Article.objects.published().in_edition()` shows now."""
    condition = "status = %s AND published_at <= %s"
    params = [Article.Status.PUBLISHED, timezone.now()]
    edition = editions.current()
    if edition != editions.main():
        return condition + " AND language = %s", [*params, edition]
    others = editions.other_editions(edition)
    if others:
        condition += " AND NOT (language = ANY(%s))"
        params.append(others)
    return condition, params


def _newest_matches(db, tsquery):
    """(ids, total): the ids of the MAX_CANDIDATES newest public stories of the current
    edition that match `tsquery`, and how many match in all.

    Matched in ENTRIES, a narrow copy of the stories: the GIN index finds the matches and
    only their small rows are read to order them (the stories' own rows, text and vector
    included, would be read in full: the whole table for a common word). The plain scan
    is ruled out: it would read every story's vector.
    """
    condition, params = _public_in_edition()
    statement = (
        f"SELECT id, count(*) OVER () FROM {ENTRIES} "
        f"WHERE search_vector @@ to_tsquery('simple', %s) AND {condition} "
        "ORDER BY published_at DESC, id DESC LIMIT %s"
    )
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(statement, [tsquery, *params, MAX_CANDIDATES])
        rows = cursor.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _closest_headlines(db, raw):
    """The ids of the MAX_CANDIDATES public stories of the current edition whose headlines
    are most like `raw` (trigram word similarity), for a query no story's words match.

    Two indexes, each for what it does fast: the GIN index lists the headlines like
    `raw` but must recheck each one it lists, so it is asked for one more than the
    limit, no order (a handful of rechecks, and none to make when nothing is alike).
    Only when there are more than that does the GiST index walk the headlines nearest
    first and stop at the limit; among equally near ones which are taken is the index's
    choice (the page then orders them newest first).
    """
    condition, params = _public_in_edition()
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"SELECT id FROM {ENTRIES} WHERE title %%> %s AND {condition} LIMIT %s",
            [raw, *params, MAX_CANDIDATES + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) <= MAX_CANDIDATES:
            return ids
        # the GiST index is on lower(title), so that each query reaches only its index
        # (trigrams are of lower-case letters: the same similarity)
        cursor.execute(
            f"SELECT id FROM {ENTRIES} WHERE lower(title) %%> %s AND {condition} "
            "ORDER BY lower(title) <->> %s LIMIT %s",
            [raw, *params, raw, MAX_CANDIDATES],
        )
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
    initials = {lemma[:1] for lemma in wanted}

    def matches(word):
        # a word is looked up in the dictionary (about 0.1 ms the first time) only if it
        # starts as a wanted word does: the forms of a word keep its first letter (only
        # pronouns do not: "нас", "ми"), so a snippet of a long story costs a few lookups
        return word[:1].lower() in initials and bool(wanted & set(text.lemmas(word)))

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
