from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import views as story_views
from articles.sitemaps import news_sitemap, shared, sitemaps
from newsroom import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon),
    path(
        "sitemap.xml",
        shared(sitemap_views.index),
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        shared(sitemap_views.sitemap),
        {"sitemaps": sitemaps},
        name="sitemap_section",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    # each edition's Google News sitemap: /news-sitemap.xml and /en/news-sitemap.xml
    path("news-sitemap.xml", news_sitemap, name="news_sitemap"),
    path("ratings/", include("ratings.urls")),
    path("", include("live.urls")),
    path("", include("articles.urls")),
    prefix_default_language=False,
)
if settings.SERVE_MEDIA:
    # Local media for a laptop or tests; production serves media from object storage or a proxy.
    urlpatterns += [path("media/<path:path>", views.media)]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = story_views.page_not_found
handler500 = views.server_error
