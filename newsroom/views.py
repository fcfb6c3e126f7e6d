"""Site-wide views: robots.txt, the Google News sitemap and error pages."""

import functools
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.static import serve

from articles import edge
from articles.pagecache import public_cache
from articles.sitemaps import recent_news
from newsroom.middleware import database_unavailable


def shared(view):
    """Answer with shared-cache headers and the feeds' surrogate key (sitemaps)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response[edge.HEADER] = edge.header_value([edge.FEEDS])
            public_cache(response)
        return response

    return wrapper


@cache_control(public=True, max_age=3600)
def robots_txt(request):
    base = settings.SITE_URL.rstrip("/")  # the canonical origin, whatever Host was asked
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /en/preview/",
        "Disallow: /ratings/",
        "Disallow: /en/ratings/",
        "",
        f"Sitemap: {base}{reverse('sitemap_index')}",
        f"Sitemap: {base}{reverse('news_sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@shared
def news_sitemap(request):
    response = render(
        request,
        "sitemaps/news_sitemap.xml",
        {"stories": recent_news(), "site_name": settings.SITE_NAME, "language": "uk"},
        content_type="application/xml; charset=utf-8",
    )
    return response


def csrf_failure(request, reason=""):
    message = _(
        "The form has expired or was not sent from this site. Reload the page and try again."
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=403)
    return render(request, "errors/403_csrf.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    """The site's 404; shared-cacheable until the next story's time, like every page."""
    response = render(request, "errors/404.html", status=404)
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return response
    response[edge.HEADER] = edge.header_value([edge.NOTFOUND])
    return public_cache(response, seconds=60)


def server_error(request):
    """500, or the friendly 503 when what failed was reaching the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(request, exc)
    return render(request, "errors/500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def bad_request(request, exception=None):
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": "The request could not be understood."}, status=400)
    return render(request, "errors/400.html", status=400)


def media(request, path):
    """Uploaded files from MEDIA_ROOT (read at request time), for development and tests."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@cache_control(public=True, max_age=86400)
def favicon(request):
    return redirect(static("img/favicon.svg"), permanent=True)
