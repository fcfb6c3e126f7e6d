from django.conf import settings

from articles.cache import breaking_news, version_for
from articles.models import Section


def site(request):
    """Site name, the content version (for cached navigation), the banner; no queries."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "content_version": lambda: version_for(request),  # one read per request
        "nav_sections": Section.objects.all(),  # lazy: evaluated only on a cache miss
        "breaking_news": breaking_news,  # part of the content state
    }
