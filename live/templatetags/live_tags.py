"""The live page's template tags: an entry's picture and the LiveBlogPosting JSON-LD."""

from datetime import timedelta

from django import template
from django.core.files.storage import default_storage

from articles import text
from articles.templatetags.articles_tags import absolute, iso, jsonld, story_data
from images import picture

register = template.Library()

# While coverage runs its end is not known; search engines are told it ends a day after
# the last change, which moves on with every entry.
RUNNING_END = timedelta(days=1)
HEADLINE_LENGTH = 110  # what search engines show of a headline


@register.simple_tag
def entry_picture(image, spec="story"):
    """What a <picture> of a library picture needs (includes/picture.html's data)."""
    return picture.picture_data(
        image.renditions,
        spec,
        fallback_url=image.file.url,
        width=image.width or None,
        height=image.height or None,
    )


def entry_headline(entry):
    if entry.headline:
        return entry.headline[:HEADLINE_LENGTH]
    return text.make_teaser(text.html_to_text(entry.body), HEADLINE_LENGTH)


def _person(author, publisher):
    if author is None:
        return publisher
    return {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}


def _image(image):
    shown = picture.nearest(image.renditions, "story", "jpg", 1200)
    return absolute(default_storage.url(shown["jpg"]) if shown else image.file.url)


def _update(entry, page_url, publisher):
    data = {
        "@type": "BlogPosting",
        "@id": f"{page_url}#{entry.anchor}",
        "url": absolute(entry.get_absolute_url()),
        "headline": entry_headline(entry),
        "datePublished": iso(entry.posted_at),
        "articleBody": text.html_to_text(entry.body),
        "publisher": publisher,
        "author": _person(entry.author, publisher),
    }
    if entry.picture:
        data["image"] = _image(entry.picture)
    return data


@register.simple_tag
def live_jsonld(article, authors, tags, score, versions, coverage, entries):
    """schema.org LiveBlogPosting: the story's NewsArticle properties, the coverage times
    and each entry shown as a BlogPosting with its own time."""
    data = story_data(article, authors, tags, score, versions)
    data["@type"] = "LiveBlogPosting"
    data["coverageStartTime"] = iso(coverage.started_at)
    if coverage.ended_at:
        data["coverageEndTime"] = iso(coverage.ended_at)
    else:
        last = max(article.date_modified, coverage.started_at)
        data["coverageEndTime"] = iso(last + RUNNING_END)
    page_url = data["url"]
    data["liveBlogUpdate"] = [_update(entry, page_url, data["publisher"]) for entry in entries]
    return jsonld(data)
