import functools
import json

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader_tags import BlockNode
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import formats, timezone
from django.utils.dates import MONTHS_ALT
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext

from articles import editions, fragments
from articles.addresses import address, slug_address
from articles.delivery.pagecache import canonical_query
from articles.embeds import with_facades
from articles.social_card import PATH as SOCIAL_CARD_PATH
from articles.social_card import SIZE as SOCIAL_CARD_SIZE
from articles.text import with_galleries
from images import picture
from images.body import for_readers

register = template.Library()

# JSON's own escapes for the characters that could end or open markup in a <script>
_JSON_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


@register.filter
def jsonld(value):
    """A <script type="application/ld+json"> block that no string inside can break out of."""
    data = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for character, escaped in _JSON_ESCAPES:  # str.replace: translate() is slow on Cyrillic
        data = data.replace(character, escaped)
    return mark_safe(f'<script type="application/ld+json">{data}</script>')


@register.filter
def iso(moment):
    """A time for `<time datetime>` and schema.org: local time with its offset, in whole
    seconds (HTML allows at most three fractional digits; a stored time has six)."""
    if not moment:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


# The dates below read as Django's date filter writes "j E Y, H:i" and its parts, in about
# half its time: a story page has several.
def _day_month(local):
    """ "5 грудня" ("5 December"): the day and the month's name as a date names it."""
    return f"{local.day} {MONTHS_ALT[local.month]}"


@register.filter
def full_date(moment):
    """A moment in full, in the site's time zone: "5 грудня 2026, 14:05"."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return f"{_day_month(local)} {local.year}, {local:%H:%M}"


@register.filter
def news_date(moment):
    """A story's date in a list: "5 грудня, 14:05" this year, "1 червня 2025" before."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    if local.year == timezone.localtime().year:
        return f"{_day_month(local)}, {local:%H:%M}"
    return f"{_day_month(local)} {local.year}"


@register.filter
def news_day(moment):
    """A day heading in the news feed: "5 грудня" this year, "31 грудня 2025" before."""
    local = timezone.localtime(moment)
    if local.year == timezone.localtime().year:
        return _day_month(local)
    return f"{_day_month(local)} {local.year}"


@register.simple_tag(takes_context=True)
def switch_language_url(context, language, chosen=None):
    """This page's address in another language, with only the page's own parameters.

    `chosen`: {language: URL} a page chose itself (a story: its translation, or the other
    edition's home, articles.translations.switch). The page is stored for every reader: a
    tracking parameter of the first reader's address (utm_source…) must not end up in
    everybody's links.
    """
    if chosen and language in chosen:
        return chosen[language]
    request = context["request"]
    query = canonical_query(request)
    return translate_url(request.path + (f"?{query}" if query else ""), language)


def _section_names(section):
    if isinstance(section, dict):  # the menu's, from the content state
        return section["name"], section.get("name_en", "")
    return section.name, section.name_en


@register.filter
def section_name(section):
    """A section's name in the current edition: its English name in the English edition
    (where it has one), else its name."""
    name, english = _section_names(section)
    return english if editions.current() == "en" and english else name


@register.filter
def section_description(section):
    """A section's description (written in the main edition's language) for its edition's
    pages: none in another edition."""
    return section.description if editions.current() == editions.main() else ""


@register.filter
def section_label(section):
    """A section's name for a page's text, marked with its language where that is not the
    page's (a section with no English name, on an English page)."""
    shown = section_name(section)
    main = editions.main()
    if editions.current() != main and shown == _section_names(section)[0]:
        return format_html('<span lang="{}">{}</span>', main, shown)
    return shown


@register.filter
def grouped(number):
    """A count written with the language's thousands separator ("42 397", "42,397"); the
    site does not group numbers everywhere, as ids and years are numbers too."""
    return formats.number_format(number, force_grouping=True)


@register.filter
def og_locale(language):
    """The Open Graph locale of a language code ("uk" → "uk_UA")."""
    return editions.locale(language)


@register.filter
def lang_attributes(language):
    """` lang="…"` (and ` dir="rtl"` for a right-to-left script) for text written in
    `language`: a story's headline, text and pictures, apart from the page around them."""
    if editions.direction(language) == "rtl":
        return format_html(' lang="{}" dir="rtl"', language)
    return format_html(' lang="{}"', language)


@register.filter
def text_direction(language):
    """ "rtl" for a language written right to left, else "ltr"."""
    return editions.direction(language)


@register.filter
def view_url(article):
    """The address a story page's script counts its view at ({% url 'articles:count_view' %})."""
    return address("articles:count_view", "pk", article.pk)


@register.filter
def reading_time(article):
    """ "3 хв читання": the story's reading time."""
    minutes = article.reading_minutes
    return ngettext("%(minutes)s min read", "%(minutes)s min read", minutes) % {"minutes": minutes}


@register.filter
def tag_url(tag):
    """A tag's page in the edition being served ({% url 'articles:tag' tag.slug %})."""
    return slug_address("articles:tag", tag.slug)


@register.filter
def language_name(language):
    """A language's name in the interface's language."""
    return editions.name(language)


@register.filter
def absolute(url):
    """An address on the site's canonical origin (SITE_URL), whatever host was asked for."""
    if url.startswith(("http://", "https://")):
        return url  # media on object storage
    return settings.SITE_URL.rstrip("/") + url


@register.simple_tag
def lead_picture(article, spec="story"):
    """What includes/picture.html needs for a story's picture in one crop ("story", "card")."""
    fallback = article.lead_image.url if article.lead_image else ""
    return picture.picture_data(
        article.lead_image_renditions,
        spec,
        fallback_url=fallback,
        width=article.lead_image_width,
        height=article.lead_image_height,
    )


@register.simple_tag
def rendition_url(article, fmt="jpg", width=800, spec="story"):
    """The URL of the rendition of `spec` closest to `width`, or the original image."""
    entry = picture.nearest(article.lead_image_renditions, spec, fmt, width)
    if entry is not None:
        return default_storage.url(entry[fmt])
    return article.lead_image.url if article.lead_image else ""  # the whole original


@register.simple_tag
def social_picture(article):
    """{"url", "width", "height"} of the story's picture for link previews: its 1200×630
    crop, or the original until the crop is made; the size declared lets a network show
    the large card on the first share."""
    entry = picture.nearest(article.lead_image_renditions, "social", "jpg", 1200)
    if entry is not None:
        url, width, height = default_storage.url(entry["jpg"]), entry["width"], entry["height"]
    else:
        url, width, height = (
            article.lead_image.url,
            article.lead_image_width,
            article.lead_image_height,
        )
    return {"url": url, "width": width, "height": height}


def jsonld_images(article):
    """The 16:9, 4:3 and 1:1 crops search engines ask a NewsArticle for (made ones only)."""
    urls = [rendition_url(article, "jpg", 1200, spec) for spec in ("16x9", "4x3", "1x1")]
    made = [
        url
        for spec, url in zip(("16x9", "4x3", "1x1"), urls, strict=True)
        if picture.entries(article.lead_image_renditions, spec)
    ]
    return [absolute(url) for url in made] or [absolute(rendition_url(article, "jpg", 1200))]


@register.simple_tag
def story_jsonld(article, authors, tags, score, versions=()):
    """schema.org NewsArticle for a story; AggregateRating only when RATINGS_JSONLD is on.

    `versions`: the story and its translations readers may see: a translation names its
    original (translationOfWork), an original its translations (workTranslation)."""
    return jsonld(story_data(article, authors, tags, score, versions))


def story_data(article, authors, tags, score, versions=()):
    """The story's NewsArticle as a dict (a live page builds its LiveBlogPosting on it)."""
    url = absolute(article.get_absolute_url())
    people = [
        {"@type": "Person", "name": a.name, "url": absolute(a.get_absolute_url())} for a in authors
    ]
    logo = _logo()
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.date_modified),
        "articleSection": section_name(article.section),
        "inLanguage": article.language,
        "author": people or [{"@type": "Organization", "name": settings.SITE_NAME}],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "logo": logo},
        "description": article.excerpt,
    }
    data.update(_translation_links(article, versions))
    if tags:
        data["keywords"] = [t.name for t in tags]
    if article.lead_image:
        data["image"] = jsonld_images(article)
    else:
        data["image"] = [social_card()]
    if settings.RATINGS_JSONLD and score.count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": score.average,
            "ratingCount": score.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data


def _work(story):
    url = absolute(story.get_absolute_url())
    return {"@type": "NewsArticle", "@id": url, "url": url, "inLanguage": story.language}


def _translation_links(article, versions):
    others = [v for v in versions if v.pk != article.pk]
    if not others:
        return {}
    works = {
        v.pk: {
            "@type": "NewsArticle",
            "@id": absolute(v.get_absolute_url()),
            "inLanguage": v.language,
        }
        for v in others
    }
    if article.translation_of_id in works:
        return {"translationOfWork": works[article.translation_of_id]}
    translated = [works[v.pk] for v in others if v.translation_of_id == article.pk]
    return {"workTranslation": translated} if translated else {}


LOGO_SIZE = (600, 60)  # static/img/logo.png


def _logo():
    width, height = LOGO_SIZE
    url = static_address("img/logo.png")
    return {"@type": "ImageObject", "url": url, "width": width, "height": height}


def social_card():
    """The site's default picture (articles.social_card) with its size, for schema.org."""
    width, height = SOCIAL_CARD_SIZE
    url = static_address(SOCIAL_CARD_PATH)
    return {"@type": "ImageObject", "url": url, "width": width, "height": height}


@functools.cache
def static_address(path):
    """The absolute address of a static file, found once per process: static() asks the
    app registry and the manifest each time, and the answer lasts until the next deploy."""
    return absolute(static(path))


@receiver(setting_changed)
def _forget_static_addresses(*, setting, **kwargs):
    if setting in {"SITE_URL", "STATIC_URL", "STATIC_ROOT", "STORAGES", "DEBUG"}:
        static_address.cache_clear()


@register.simple_tag
def site_jsonld():
    """schema.org Organization (with its logo) and WebSite (with its search) of the home page."""
    home = absolute(reverse("articles:home"))
    organization = {
        "@context": "https://schema.org",
        "@type": "NewsMediaOrganization",
        "@id": f"{home}#organization",
        "name": settings.SITE_NAME,
        "url": home,
        "logo": _logo(),
        "image": social_card(),
        "sameAs": [url for _name, url in settings.SOCIAL_LINKS],
    }
    website = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "@id": f"{home}#website",
        "name": settings.SITE_NAME,
        "url": home,
        "inLanguage": get_language() or "uk",
        "publisher": {"@id": f"{home}#organization"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": absolute(reverse("articles:search")) + "?q={search_term_string}",
            "query-input": "required name=search_term_string",
        },
    }
    return jsonld(organization) + jsonld(website)


@register.simple_tag
def media_url(name):
    """The address of a stored file (an author's photo) on the media storage."""
    return default_storage.url(name) if name else ""


@register.filter
def galleries(body):
    """A story's sanitised text with pictures that follow one another as a gallery."""
    return mark_safe(with_galleries(body))


@register.filter
def pictures(body):
    """A story's text with its library pictures as <picture> of their current renditions."""
    return mark_safe(for_readers(body))


@register.filter
def embeds(body):
    """A story's sanitised text, with lone links to videos and posts as click-to-load facades."""
    return with_facades(body)


class FragmentNode(template.Node):
    # what is inside is kept, and holds no block: {% extends %} looking for the blocks of
    # base.html on every page it renders need not walk the menu, the footer and the rest
    child_nodelists = ()

    def __init__(self, name, vary, nodelist):
        self.name, self.vary, self.nodelist = name, vary, nodelist

    def render(self, context):
        key = (self.name, *(value.resolve(context) for value in self.vary))
        version = fragments.version_of(context)
        return fragments.get_or_render(version, key, lambda: self.nodelist.render(context))


@register.tag
def fragment(parser, token):
    """{% fragment "name" value… %}…{% endfragment %}: a part every page repeats, rendered
    once per content version, language and `value`s (articles.fragments). What it shows
    must depend on nothing else."""
    name, *vary = token.split_contents()[1:]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        # kept once for every page: one page's version of the block would show on all
        raise template.TemplateSyntaxError(f"{{% fragment {name} %}} cannot hold a {{% block %}}")
    return FragmentNode(name.strip("\"'"), [parser.compile_filter(v) for v in vary], nodelist)
