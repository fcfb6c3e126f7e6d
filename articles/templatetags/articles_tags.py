import json

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def jsonld(value):
    """A <script type="application/ld+json"> block that no string inside can break out of."""
    data = json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{data}</script>')


@register.simple_tag(takes_context=True)
def switch_language_url(context, language):
    """This page's address in another language (worked out once per request and language)."""
    request = context["request"]
    urls = request.__dict__.setdefault("_language_urls", {})
    if language not in urls:
        urls[language] = translate_url(request.get_full_path(), language)
    return urls[language]


@register.simple_tag
def srcset(article, fmt):
    """The srcset of an article's lead image renditions in one format ("webp" or "jpg")."""
    items = []
    for entry in (article.lead_image_renditions or {}).values():
        if fmt in entry:
            from django.core.files.storage import default_storage

            items.append(f"{escape(default_storage.url(entry[fmt]))} {entry['width']}w")
    return mark_safe(", ".join(items))


@register.simple_tag
def rendition_url(article, fmt="jpg", width=800):
    """The URL of the rendition closest to `width`, or the original image."""
    from django.core.files.storage import default_storage

    entries = sorted(
        (e for e in (article.lead_image_renditions or {}).values() if fmt in e),
        key=lambda e: abs(e["width"] - width),
    )
    if entries:
        return default_storage.url(entries[0][fmt])
    return article.lead_image.url if article.lead_image else ""


@register.simple_tag(takes_context=True)
def story_jsonld(context, article, authors, tags, score):
    """schema.org NewsArticle for a story; AggregateRating only when RATINGS_JSONLD is on."""
    request = context["request"]
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.date_modified.isoformat(),
        "articleSection": article.section.name,
        "inLanguage": "uk",
        "author": [
            {"@type": "Person", "name": a.name,
             "url": request.build_absolute_uri(a.get_absolute_url())}
            for a in authors
        ] or [{"@type": "Organization", "name": settings.SITE_NAME}],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME,
                      "logo": {"@type": "ImageObject",
                               "url": request.build_absolute_uri("/static/img/logo.png")}},
        "description": article.excerpt,
    }  # fmt: skip
    if tags:
        data["keywords"] = [t.name for t in tags]
    if article.lead_image:
        data["image"] = [request.build_absolute_uri(rendition_url(article, "jpg", 1200))]
    if settings.RATINGS_JSONLD and score.count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": score.average,
            "ratingCount": score.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return jsonld(data)
