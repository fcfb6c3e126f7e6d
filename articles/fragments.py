"""Parts every page repeats (the menu, the banner, the footer, a story's card in Інші
новини), rendered once per content version and process.

A page rendered afresh (a page-cache miss) renders only what is its own and takes the
rest from here. Each part is kept under the content version it was rendered in
(articles.delivery.content_version), as stored pages are: any edit, publication, change of
a section, flat page or banner starts a new version, and the parts of every older one are
dropped the first time a newer one is asked for (votes change none of these parts). Kept
in the process: a part costs less to render than a round trip to a shared cache would,
and each worker renders it once a version (a version lives ten minutes at most).
"""

from django.utils.translation import get_language

from articles.delivery.content_version import content_version

MOST_KEPT = 5000  # parts of one version, at most (cards of stories are the many)

_kept = {}
_newest = [0]  # the newest content version asked for


def get_or_render(version, key, render):
    """The part named `key` (a tuple) for content `version`, rendered by `render()` once.

    `key` holds whatever else the part shows by; the current language is added to it.
    """
    if version > _newest[0]:
        _kept.clear()
        _newest[0] = version
    full = (version, get_language(), *key)
    html = _kept.get(full)
    if html is None:
        html = render()
        if version == _newest[0]:  # a page of an older version renders its own, keeps none
            if len(_kept) >= MOST_KEPT:
                _kept.clear()
            _kept[full] = html
    return html


def clear():
    """Forget every part (a test's clock may give two states the same version)."""
    _kept.clear()
    _newest[0] = 0


def version_of(context):
    """The content version a template is rendered with: the view's, or the current one."""
    state = context.get("content_state")
    return state["v"] if state else content_version()
