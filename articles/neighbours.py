"""Інші новини computed ahead: each story's neighbours by what it says, stored with why.

refresh_story() runs on a task worker once a story's save commits (save_story queues
articles.tasks.refresh_neighbours) and from `manage.py refresh_related`. It indexes the
story's terms (counted in Term.stories while the story is published), finds candidates
through the inverted index (StoryTerm: at most ARTICLES_RELATED_CANDIDATES stories for
each of the story's strongest terms, published within the age limit of it), scores them
(articles.similarity) and stores the best STORED as Neighbour rows: the editor's pins
first, the exclusions never. A published story is also offered to the stories it found:
it joins their lists where it beats their weakest, so a new story of a thread shows under
the older ones. Every list that changed gets a new content version and its page purged
at the HTTP caches, as any change does.

The work per story is bounded whatever the size of the archive: TOP_TERMS ×
ARTICLES_RELATED_CANDIDATES index rows read, CANDIDATES scored, STORED offered to.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Q

from articles import similarity, text
from articles.delivery import edge
from articles.delivery.content_version import content_changed
from articles.models import Article, Neighbour, NeighbourChoice, StoryTerm, StoryTerms, Term
from edge_cache.purge import purge, purge_urls

STORED = 12  # neighbours kept per story: twice the block, for those unpublished meanwhile
CANDIDATES = 60  # the best candidates by shared terms that are scored in full
REASON_WORDS = 5  # shared words kept to explain a neighbour


@dataclass
class Indexed:
    """A story's weighted terms, by term id, and the text of each."""

    vector: dict
    texts: dict


@dataclass
class Candidate:
    story_id: int
    score: float = 0.0
    shared: float = 0.0
    pinned: bool = False
    terms: list = field(default_factory=list)  # (contribution, term id) of shared terms
    reasons: dict = field(default_factory=dict)


@transaction.atomic
def refresh_story(*, article_id):
    """Index a story, store its neighbours and offer it to theirs; the ids of changed lists."""
    article = (
        Article.objects.filter(pk=article_id)
        .only(
            "title",
            "teaser",
            "body",
            "status",
            "published_at",
            "section_id",
            "updated_at",
            "language",
        )
        .first()
    )
    if article is None:
        return []
    tag_ids = list(article.tags.values_list("pk", flat=True))
    indexed = index_story(article, tag_ids)
    candidates = rank(article, find_candidates(article, indexed), indexed)
    store(article, candidates)
    changed = offer(article, candidates) if _counted(article) else []
    _announce([article.pk, *changed])
    return changed


def _counted(article):
    return article.status == Article.Status.PUBLISHED


def _window(article):
    age = timedelta(days=settings.ARTICLES_RELATED_MAX_AGE_DAYS)
    return article.published_at - age, article.published_at + age


def index_story(article, tag_ids):
    """Count the story's terms (if it is published), weigh them and index the strongest."""
    plain = text.sanitized_html_to_text(article.body[: similarity.TEXT_LIMIT * 2])
    counts = similarity.term_counts(
        title=article.title, teaser=article.teaser, plain=plain, tag_ids=tag_ids
    )
    ids = _term_ids([*counts, similarity.ALL_STORIES])
    counted = _counted(article)
    prior = StoryTerms.objects.filter(article=article).first()
    before = set(prior.term_ids) if prior and prior.counted else set()
    now_counted = set(ids.values()) if counted else set()
    _count(now_counted - before, 1)
    _count(before - now_counted, -1)
    stories = dict(Term.objects.filter(pk__in=ids.values()).values_list("text", "stories"))
    weights = similarity.weigh(counts, stories, stories[similarity.ALL_STORIES])
    StoryTerms.objects.update_or_create(
        article=article,
        defaults={
            "term_ids": sorted(ids.values()),
            "counted": counted,
            "fingerprint": _fingerprint(counts),
            "story_updated_at": article.updated_at,
        },
    )
    StoryTerm.objects.filter(article=article).delete()
    if counted:
        StoryTerm.objects.bulk_create(
            StoryTerm(article=article, term_id=ids[t], weight=w, published_at=article.published_at)
            for t, w in weights.items()
        )
    return Indexed({ids[t]: w for t, w in weights.items()}, {ids[t]: t for t in weights})


def _term_ids(texts):
    Term.objects.bulk_create([Term(text=t) for t in texts], ignore_conflicts=True)
    return dict(Term.objects.filter(text__in=texts).values_list("text", "pk"))


def _count(term_ids, change):
    """Add `change` to the story counts of `term_ids`, locking them in one order."""
    if not term_ids:
        return
    terms = Term.objects.filter(pk__in=term_ids)
    list(terms.order_by("pk").select_for_update().values_list("pk"))
    terms.update(stories=F("stories") + change)


def _fingerprint(counts):
    return hashlib.sha256(json.dumps(sorted(counts.items())).encode()).hexdigest()


def candidates_query(article, indexed):
    """SQL for the index rows of the stories sharing the story's strongest terms.

    Rows of (story id, term id, contribution to the score): for each term, the newest
    ARTICLES_RELATED_CANDIDATES stories within the age limit of the story.
    """
    earliest, latest = _window(article)
    parts, params = [], []
    table = StoryTerm._meta.db_table
    for term_id, weight in indexed.vector.items():
        # SQLite takes no parentheses around the parts of a UNION: each is wrapped instead
        parts.append(
            f"SELECT * FROM (SELECT article_id, term_id, weight * %s FROM {table} "
            "WHERE term_id = %s AND published_at >= %s AND published_at <= %s "
            "ORDER BY published_at DESC LIMIT %s) t"
        )
        params += [weight, term_id, earliest, latest, settings.ARTICLES_RELATED_CANDIDATES]
    return " UNION ALL ".join(parts), params


def find_candidates(article, indexed):
    """{story id: Candidate} of the stories sharing the story's strongest terms."""
    if not indexed.vector:
        return {}
    with connections[router.db_for_read(StoryTerm)].cursor() as cursor:
        cursor.execute(*candidates_query(article, indexed))
        rows = cursor.fetchall()
    found = {}
    for story_id, term_id, contribution in rows:
        if story_id == article.pk:
            continue
        candidate = found.setdefault(story_id, Candidate(story_id))
        candidate.shared += contribution
        candidate.terms.append((contribution, term_id))
    best = sorted(found.values(), key=lambda c: c.shared, reverse=True)[:CANDIDATES]
    return {c.story_id: c for c in best}


def rank(article, found, indexed):
    """The STORED neighbours of a story, best first: pins, then by score, then a fill."""
    pins, excluded = _apply_choices(article, found)
    ranked = _scored(article, found, excluded, indexed)
    ranked.sort(key=lambda c: (c.pinned, c.score, c.story_id), reverse=True)
    ranked = ranked[: max(STORED, len(pins))]
    if len(ranked) < STORED:
        taken = {article.pk, *excluded, *(c.story_id for c in ranked)}
        ranked += fill(article, taken, STORED - len(ranked))
    return ranked


def _apply_choices(article, found):
    """(pinned ids, excluded ids) of the editors' choices; pins join `found`, marked."""
    choices = dict(NeighbourChoice.objects.filter(article=article).values_list("story_id", "kind"))
    excluded = {pk for pk, kind in choices.items() if kind == NeighbourChoice.Kind.EXCLUDE}
    pins = [pk for pk, kind in choices.items() if kind == NeighbourChoice.Kind.PIN]
    for pk in pins:
        found.setdefault(pk, Candidate(pk)).pinned = True
    return pins, excluded


def _scored(article, found, excluded, indexed):
    """The candidates of `found` that are not excluded, each given its score and reasons:
    stories in the story's own language (each edition's Other news are its own), and pins."""
    stories = Article.objects.filter(pk__in=[pk for pk in found if pk not in excluded])
    pinned = [pk for pk, candidate in found.items() if candidate.pinned]
    stories = stories.filter(Q(language=article.language) | Q(pk__in=pinned))
    max_days = settings.ARTICLES_RELATED_MAX_AGE_DAYS
    scored = []
    for pk, section_id, published_at in stories.values_list("pk", "section_id", "published_at"):
        candidate = found[pk]
        same_section = section_id == article.section_id
        days = abs((published_at - article.published_at).total_seconds()) / 86400
        candidate.score = similarity.combine(
            shared=candidate.shared, same_section=same_section, days_apart=days, max_days=max_days
        )
        candidate.reasons = _reasons(candidate, indexed, same_section)
        scored.append(candidate)
    return scored


def _reasons(candidate, indexed, same_section):
    terms = sorted(candidate.terms, reverse=True)
    texts = [indexed.texts[term_id] for _contribution, term_id in terms]
    reasons = {
        "words": [t for t in texts if not similarity.is_tag(t)][:REASON_WORDS],
        "tags": [int(t[1:]) for t in texts if similarity.is_tag(t)],
        "section": same_section,
    }
    if candidate.pinned:
        reasons["pinned"] = True
    return reasons


def fill(article, taken, count):
    """Stories to fill a list that content found too few for: the same section, then any,
    nearest in time within the age limit, in the story's language; their score is none."""
    earliest, latest = _window(article)
    near = (
        Article.objects.filter(
            status=Article.Status.PUBLISHED,
            published_at__gte=earliest,
            published_at__lte=latest,
            language=article.language,
        )
        .exclude(pk__in=taken)
        .order_by("-published_at", "-id")
    )
    same = list(near.filter(section_id=article.section_id).values_list("pk", flat=True)[:count])
    other = []
    if len(same) < count:
        other = list(near.exclude(pk__in=same).values_list("pk", flat=True)[: count - len(same)])
    return [Candidate(pk, reasons={"section": True, "fill": True}) for pk in same] + [
        Candidate(pk, reasons={"section": False, "fill": True}) for pk in other
    ]


def store(article, candidates):
    """Replace the story's stored neighbours with `candidates`."""
    Neighbour.objects.filter(article=article).delete()
    Neighbour.objects.bulk_create(
        Neighbour(
            article=article,
            story_id=c.story_id,
            score=c.score,
            pinned=c.pinned,
            reasons=c.reasons,
        )
        for c in candidates
    )


def offer(article, candidates):
    """Put a published story in the lists of the stories it found, where it beats their
    weakest (a list not yet full takes it anyway: a story saved first in a quiet hour
    gets its neighbours from the stories that follow); take it out of lists it no longer
    belongs to. The ids of the lists changed."""
    offered = {c.story_id: c for c in candidates if not c.pinned}
    refusing = set(
        NeighbourChoice.objects.filter(
            article__in=offered, story=article, kind=NeighbourChoice.Kind.EXCLUDE
        ).values_list("article_id", flat=True)
    )
    lists = _lists(offered, leaving_out=article.pk)
    joined, dropped = [], []
    for pk, candidate in offered.items():
        place = None if pk in refusing else _place(lists.get(pk, []), candidate.score)
        if place is None:
            continue
        reasons = {k: v for k, v in candidate.reasons.items() if k != "pinned"}
        joined.append(
            Neighbour(article_id=pk, story_id=article.pk, score=candidate.score, reasons=reasons)
        )
        dropped += place
    Neighbour.objects.filter(pk__in=dropped).delete()
    Neighbour.objects.bulk_create(
        joined,
        update_conflicts=True,
        unique_fields=["article", "story"],
        update_fields=["score", "reasons"],
    )
    kept = [n.article_id for n in joined]
    gone = Neighbour.objects.filter(story=article, pinned=False).exclude(article__in=kept)
    left = list(gone.values_list("article_id", flat=True))
    gone.delete()
    return sorted({*kept, *left})


def _lists(article_ids, leaving_out):
    """{story id: its stored Neighbour rows}, without those of the story `leaving_out`."""
    rows = Neighbour.objects.filter(article__in=article_ids).exclude(story_id=leaving_out)
    lists = {}
    for row in rows.only("article_id", "story_id", "score", "pinned"):
        lists.setdefault(row.article_id, []).append(row)
    return lists


def _place(rows, score):
    """None if a list of `rows` has no place for a story of `score`; else the ids of the
    rows it pushes out (none while the list is not full)."""
    if len(rows) < STORED:
        return []
    weakest = min((r for r in rows if not r.pinned), key=lambda r: r.score, default=None)
    if weakest is None or weakest.score >= score:
        return None
    return [weakest.pk]


def _announce(article_ids):
    """A new content version, and the changed lists' pages purged once committed."""
    content_changed()
    if purge_urls():
        keys = [edge.story_key(pk) for pk in article_ids]
        transaction.on_commit(lambda: purge(keys))


def forget_story(*, article_id):
    """Uncount a story's terms before it is deleted."""
    prior = StoryTerms.objects.filter(article_id=article_id, counted=True).first()
    if prior:
        _count(set(prior.term_ids), -1)


def refresh_stories(article_ids):
    """refresh_story() for each of `article_ids`, each in its own transaction."""
    for pk in article_ids:
        refresh_story(article_id=pk)


def stale_stories():
    """Stories whose neighbours were never computed, or not since their last change."""
    return Article.objects.filter(
        Q(indexed_terms__isnull=True) | Q(indexed_terms__story_updated_at__lt=F("updated_at"))
    )


def recount_terms(*, dry_run=False):
    """Set every term's story count to what the indexed stories say; the number that drifted."""
    counts = Counter()
    for term_ids in (
        StoryTerms.objects.filter(counted=True).values_list("term_ids", flat=True).iterator(2000)
    ):
        counts.update(term_ids)
    drifted = [
        term
        for term in Term.objects.only("pk", "stories").iterator(5000)
        if term.stories != counts.get(term.pk, 0)
    ]
    for term in drifted:
        term.stories = counts.get(term.pk, 0)
    if not dry_run:
        with transaction.atomic():
            # the same rows in the same order as _count, so a save meanwhile waits
            terms = Term.objects.filter(pk__in=[t.pk for t in drifted]).order_by("pk")
            list(terms.select_for_update().values_list("pk"))
            Term.objects.bulk_update(drifted, ["stories"], batch_size=2000)
    return len(drifted)
