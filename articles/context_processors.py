from django.conf import settings

from articles.cache import content_version
from articles.models import Section


def site(request):
    """Site name and the content version (for cached navigation); no queries."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "content_version": content_version,
        "nav_sections": Section.objects.all(),  # lazy: evaluated only on a cache miss
    }
