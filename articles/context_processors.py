from django.conf import settings

from articles.models import Section


def site(request):
    """Site name, the canonical origin of absolute addresses, and the menu (lazy)."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "nav_sections": Section.objects.all(),
    }
