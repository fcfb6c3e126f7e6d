"""Old addresses: redirects (django.contrib.redirects) and flat pages, where ours would 404.

A site moved here (from WordPress, say) leaves addresses in search engines and social
posts. They are kept as `Redirect` rows, which editors manage in the admin, and old pages
as `FlatPage` rows. Neither ever shadows one of our own pages: both are looked up only
when our own URL answered 404, and never at the address of a story that is not out yet
(embargoed or a draft), which would otherwise show something else there until it is.
The one exception is WordPress's `/?p=ID`, a query string on the home page, answered
before the page cache serves the home page (and only when a redirect for that id exists,
so readers of the home page never notice).

Paths are stored decoded (`/2013/03/15/новина/`), so a Cyrillic address matches
however the client encodes it; an editor's percent-encoded entry matches too.
"""

from django.contrib.redirects.models import Redirect
from django.http import HttpResponsePermanentRedirect
from django.utils.encoding import escape_uri_path, iri_to_uri

from articles.delivery import edge
from articles.delivery.pagecache import public_cache
from articles.pages import flat_page_response, story_address
from edge_cache.backends import header_name

# WordPress's addresses by id: a post (?p=), a page (?page_id=)
ID_PARAMETERS = ("p", "page_id")
ID_PATHS = ("/", "/index.php")
MAX_ID_DIGITS = 19


def id_path(parameter, wordpress_id):
    """The stored old path of a WordPress address by id, e.g. "/?p=123"."""
    return f"/?{parameter}={wordpress_id}"


def find_redirect(paths):
    """The new address of the first old path that has a redirect, or None."""
    from django.conf import settings

    found = dict(
        Redirect.objects.filter(site_id=settings.SITE_ID, old_path__in=paths).values_list(
            "old_path", "new_path"
        )
    )
    for path in paths:
        if path in found:
            return found[path]
    return None


def _candidates(path):
    """The forms an old path may be stored in: decoded and percent-encoded, ± trailing slash."""
    forms = [path, path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"]
    return list(dict.fromkeys([*forms, *(escape_uri_path(f) for f in forms)]))


def redirect_response(new_path):
    """The 301 to `new_path`, shared-cacheable and purged when redirects or stories change."""
    response = HttpResponsePermanentRedirect(iri_to_uri(new_path))
    edge.tag(response, [edge.REDIRECTS, edge.NOTFOUND])
    return public_cache(response)


def _by_id(request):
    path = request.path_info
    if not path.endswith(ID_PATHS):  # the site's root, or a subfolder's ("/news/?p=12")
        return None
    folder = path.removesuffix("index.php")
    for parameter in ID_PARAMETERS:
        value = request.GET.get(parameter, "")
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
            return find_redirect([f"{folder}?{parameter}={int(value)}"])
    return None


class OldAddressMiddleware:
    """Answer an old address with a 301 (or its flat page) when our own URL has nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.GET:
            new_path = _by_id(request)
            if new_path:
                return redirect_response(new_path)
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        if "\x00" in request.path_info:
            return response  # no stored path has one (and PostgreSQL refuses it in a query)
        if story_address(request.path_info):
            return response  # a story not out yet (embargoed, a draft): its address is its own
        return _old_address_response(request, response)


def _old_address_response(request, not_found):
    """The flat page or redirect at the request's old address, or `not_found` (a 410 when
    a redirect says the page is gone)."""
    page = flat_page_response(request, request.path_info)
    if page is not None:
        return page
    new_path = find_redirect(_candidates(request.path_info))
    if new_path:
        return redirect_response(new_path)
    if new_path == "":
        not_found.status_code = 410  # contrib.redirects: an empty new path means gone
        if not_found.has_header(header_name()):
            edge.tag(not_found, [edge.REDIRECTS, edge.NOTFOUND])
    return not_found
