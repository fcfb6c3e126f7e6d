"""The surrogate keys of the site's pages, for the HTTP caches in front (edge_cache).

Every cacheable page names what it shows: its stories, their section, tags, authors and
score, the lists it is (home, a section, the top-rated ranking) and the menu every page
has. A change purges the keys of what it touched (articles.delivery.signals).
"""

from edge_cache.backends import header_name

NAV = "nav"  # the section menu: on every page
HOME = "home"
RANKING = "ranking"  # pages that show the top-rated list
SEARCH = "search"
FEEDS = "feeds"
CORRECTIONS = "corrections"
NOTFOUND = "notfound"  # 404 pages: a story published at that address replaces one
REDIRECTS = "redirects"  # the answers of old addresses (django.contrib.redirects)


def story_key(pk):
    return f"story-{pk}"


def story_keys(stories):
    return [story_key(story.pk) for story in stories]


def section_key(pk):
    return f"section-{pk}"


def section_list_key(pk):
    return f"section-list-{pk}"


def tag_key(pk):
    return f"tag-{pk}"


def tag_list_key(pk):
    return f"tag-list-{pk}"


def author_key(pk):
    return f"author-{pk}"


def author_list_key(pk):
    return f"author-list-{pk}"


def flat_page_key(pk):
    return f"page-{pk}"


def score_key(pk):
    return f"score-{pk}"


def header_value(keys):
    """The keys header of a page: its keys, each once, and the menu's."""
    return " ".join(dict.fromkeys([NAV, *keys]))


def headers(keys):
    """{header: value} naming `keys` (and the menu) for the configured edge cache."""
    return {header_name(): header_value(keys)}


def tag(response, keys):
    """Name `keys` (and the menu) on `response`; returns it."""
    for name, value in headers(keys).items():
        response[name] = value
    return response
