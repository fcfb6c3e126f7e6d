"""What two stories share, weighed so that rare, telling words count (for Інші новини).

A story's terms are the dictionary forms of the content words of its headline, teaser
and text (articles.text.content_lemmas, the lemmatiser search uses, so "енергосистеми"
and "енергосистемою" are one term) and its tags, each a term of its own ("#<id>"). A
term's weight is BM25-like: its count saturates (K1), times its inverse document
frequency over the published stories (articles.models.Term), so "Укренерго" in a few
stories counts and "Україна" in most hardly does. A story's vector is normalised, and
two stories are as similar as the dot product of their vectors: a cosine. Only each
story's TOP_TERMS strongest terms are kept, the inverted index that finds candidates.

The section and the time between the stories are small adjustments on top (combine).
"""

import math
from collections import Counter

from articles import text

K1 = 1.2  # how fast a term's count saturates
HEADLINE_WEIGHT = 5  # a headline word counts as five words of the text
TAG_COUNT = 3  # a tag counts as a word said three times
TOP_TERMS = 40  # terms kept per story in the inverted index
TEXT_LIMIT = text.SEARCH_TEXT_LIMIT  # characters of the text looked at
TERM_LENGTH = 100  # Term.text's length
SECTION_BONUS = 0.02  # sections are coarse: a small nudge only
RECENCY = 0.15  # a story at the age limit keeps 85 % of its similarity
ALL_STORIES = ""  # the term every story has: its count is the number of stories
TAG_PREFIX = "#"


def tag_term(tag_id):
    """The term of a tag: tags are matched by identity, not by their words."""
    return f"{TAG_PREFIX}{tag_id}"


def is_tag(term):
    return term.startswith(TAG_PREFIX)


def term_counts(*, title, teaser, plain, tag_ids):
    """{term: count} of a story; an ambiguous word's count is shared among its lemmas."""
    counts = Counter()
    for part, weight in ((title, HEADLINE_WEIGHT), (teaser, 1), (plain[:TEXT_LIMIT], 1)):
        for word in text.words(part):
            forms = text.content_lemmas(word)
            for form in forms:
                counts[form[:TERM_LENGTH]] += weight / len(forms)
    for tag_id in tag_ids:
        counts[tag_term(tag_id)] += TAG_COUNT
    return counts


def idf(stories, total):
    """The inverse document frequency of a term used by `stories` of `total` stories."""
    stories = max(stories, 1)
    total = max(total, stories)
    return math.log(1 + (total - stories + 0.5) / (stories + 0.5))


def weigh(counts, stories, total):
    """{term: weight} of a story's TOP_TERMS strongest terms, normalised over all of them.

    `stories` gives each term's document frequency, `total` the number of stories.
    """
    weights = {
        term: count * (K1 + 1) / (count + K1) * idf(stories.get(term, 1), total)
        for term, count in counts.items()
    }
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    strongest = sorted(weights.items(), key=lambda item: item[1], reverse=True)[:TOP_TERMS]
    return {term: weight / norm for term, weight in strongest}


def combine(*, shared, same_section, days_apart, max_days):
    """The score of a candidate: what the two say in common, nudged by section and time."""
    score = shared + (SECTION_BONUS if same_section else 0.0)
    return score * (1 - RECENCY * min(days_apart / max_days, 1.0))
