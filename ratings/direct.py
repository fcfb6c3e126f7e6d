"""An anonymous reader's JSON vote answered without Django's handler, middleware and URL
resolving: the vote endpoint's own answer (ratings.views.json_vote), for a site's WSGI
entry point to give ahead of Django.

During a spike, votes are the one write readers make, and almost all of them come from
the rating block's script of a reader who is not signed in. `answer()` gives such a
vote the answer the view gives it: the same cross-origin check, voter cookie, limits,
score checks, visibility check and JSON. Whatever it is not sure of is left to the view
(None): a request with a session (a signed-in user, whose vote also needs Django's
CSRF token), a form post (its message and redirect), a cross-origin request (refused by
the view in its own words). What the site's middleware adds to every answer (security
headers, Vary, the request log) is the caller's part.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from modern_csrf.middleware import ModernCsrfViewMiddleware

from ratings.views import json_vote, wants_json

_cross_origin = ModernCsrfViewMiddleware(lambda request: None)


def passes_cross_origin_check(request):
    """True when the vote endpoints' cross-origin check (django-modern-csrf, which the
    views are wrapped in) lets `request` through: Fetch Metadata says same-origin or
    typed by the reader, or the Origin is ours or trusted; without either header, the
    request is not a browser's cross-site one."""
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        return site in ("same-origin", "none") or _cross_origin.has_verified_origin(request)
    return "HTTP_ORIGIN" not in request.META or _cross_origin.has_verified_origin(request)


def answer(request, label, object_id, field):
    """The JSON answer of the vote view to an anonymous reader's vote `request` (a POST to
    the vote endpoint of `label`, `object_id`, `field`), or None where the view must
    answer. A session cookie means the view: it alone knows whether its user signed in."""
    if request.method != "POST" or not wants_json(request):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if not passes_cross_origin_check(request):
        return None
    request.user = AnonymousUser()
    return json_vote(request, label, object_id, field)
