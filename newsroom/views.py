"""Site-wide views: robots.txt, the favicon, local media and error pages."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.static import serve

fault_log = logging.getLogger("newsroom.faults")


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
    ]
    for language, _name in settings.LANGUAGES:  # each edition's Google News sitemap
        with translation.override(language):
            lines.append(f"Sitemap: {base}{reverse('news_sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def csrf_failure(request, reason=""):
    message = _(
        "The form has expired or was not sent from this site. Reload the page and try again."
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=403)
    return render(request, "errors/403_csrf.html", {"message": message}, status=403)


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


def database_unavailable(request, exception):
    """The friendly 503 page; it touches neither the database nor the cache."""
    fault_log.error("database unavailable: %s", exception, extra={"path": request.path})
    if "application/json" in request.headers.get("Accept", ""):
        message = "The site is briefly unavailable. Try again in a minute."
        response = JsonResponse({"error": message}, status=503)
    else:
        response = render(request, "errors/503.html", status=503)
    response["Retry-After"] = "30"
    return response
