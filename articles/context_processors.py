from django.conf import settings
from django.utils.translation import gettext_lazy as _

from articles.delivery.content_version import breaking_news, footer_pages, menu_sections


def site(request):
    """Site name, canonical origin, the menu (lazy) and the breaking-news banner (no query)."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "SITE_DESCRIPTION": _("News from Ukraine and the world"),
        "nav_sections": menu_sections,  # part of the content state too
        "breaking_news": breaking_news,  # part of the content state
        "footer_pages": footer_pages,  # so are the newsroom's own pages in the footer
        "SOCIAL_LINKS": settings.SOCIAL_LINKS,
    }
