"""Site-wide views: robots.txt, the Google News sitemap and error pages."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.static import serve

from articles.sitemaps import recent_news
from newsroom.middleware import database_unavailable


@cache_control(public=True, max_age=3600)
def robots_txt(request):
    base = request.build_absolute_uri("/").rstrip("/")
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


@cache_control(public=True, max_age=300)
def news_sitemap(request):
    response = render(
        request,
        "sitemaps/news_sitemap.xml",
        {"stories": recent_news(), "site_name": settings.SITE_NAME, "language": "uk"},
        content_type="application/xml; charset=utf-8",
    )
    return response


def csrf_failure(request, reason=""):
    message = "The form has expired or was not sent from this site. Reload the page and try again."
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=403)
    return render(request, "errors/403_csrf.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """500, or the friendly 503 when what failed was reaching the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(request, exc)
    return render(request, "errors/500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def media(request, path):
    """Uploaded files from MEDIA_ROOT (read at request time), for development and tests."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@cache_control(public=True, max_age=86400)
def favicon(request):
    return redirect(static("img/favicon.svg"), permanent=True)


def bench_floor(request):
    """A fixed string: the fastest page this stack can serve (benchmarks only)."""
    return HttpResponse("ok", content_type="text/plain")
