import json

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.templatetags.static import static
from django.urls import translate_url
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.delivery.pagecache import canonical_query
from articles.embeds import with_facades
from articles.images import nearest_rendition
from articles.text import with_galleries

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def jsonld(value):
    """A <script type="application/ld+json"> block that no string inside can break out of."""
    data = json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{data}</script>')


@register.simple_tag(takes_context=True)
def switch_language_url(context, language):
    """This page's address in another language, with only the page's own parameters.

    The page is stored for every reader: a tracking parameter of the first reader's
    address (utm_source…) must not end up in everybody's links.
    """
    request = context["request"]
    query = canonical_query(request)
    return translate_url(request.path + (f"?{query}" if query else ""), language)


@register.filter
def absolute(url):
    """An address on the site's canonical origin (SITE_URL), whatever host was asked for."""
    if url.startswith(("http://", "https://")):
        return url  # media on object storage
    return settings.SITE_URL.rstrip("/") + url


@register.simple_tag
def srcset(article, fmt):
    """The srcset of an article's lead image renditions in one format ("webp" or "jpg")."""
    items = []
    for entry in (article.lead_image_renditions or {}).values():
        if fmt in entry:
            items.append(f"{escape(default_storage.url(entry[fmt]))} {entry['width']}w")
    return mark_safe(", ".join(items))


@register.simple_tag
def rendition_url(article, fmt="jpg", width=800):
    """The URL of the rendition closest to `width`, or the original image."""
    entry = nearest_rendition(article.lead_image_renditions, fmt, width)
    if entry is not None:
        return default_storage.url(entry[fmt])
    return article.lead_image.url if article.lead_image else ""


@register.simple_tag
def story_jsonld(article, authors, tags, score):
    """schema.org NewsArticle for a story; AggregateRating only when RATINGS_JSONLD is on."""
    url = absolute(article.get_absolute_url())
    people = [
        {"@type": "Person", "name": a.name, "url": absolute(a.get_absolute_url())} for a in authors
    ]
    logo = {"@type": "ImageObject", "url": absolute(static("img/logo.png"))}
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
        "author": people or [{"@type": "Organization", "name": settings.SITE_NAME}],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "logo": logo},
        "description": article.excerpt,
    }
    if tags:
        data["keywords"] = [t.name for t in tags]
    if article.lead_image:
        data["image"] = [absolute(rendition_url(article, "jpg", 1200))]
    if settings.RATINGS_JSONLD and score.count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": score.average,
            "ratingCount": score.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return jsonld(data)


@register.simple_tag
def media_url(name):
    """The address of a stored file (an author's photo) on the media storage."""
    return default_storage.url(name) if name else ""


@register.filter
def galleries(body):
    """A story's sanitised text with pictures that follow one another as a gallery."""
    return mark_safe(with_galleries(body))


@register.filter
def embeds(body):
    """A story's sanitised text, with lone links to videos and posts as click-to-load facades."""
    return with_facades(body)
