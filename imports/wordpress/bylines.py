"""A post's byline: its Co-Authors Plus authors in their order (WordPress users and guest
authors, `<category domain="author">`), or the post's own author when it has none."""

import re

from imports.wordpress.content import plain

AUTHOR_NAME_MAX = 150
GUEST_AUTHOR = "guest-author"  # Co-Authors Plus's post type of an author without an account


def byline(item, *, authors, guests):
    """[(old archive slug or "", display name)] of the post's authors, in order, once each.

    `authors` maps the export's logins to display names, `guests` the guest authors'
    post names ("cap-jane-doe") to theirs. A Co-Authors Plus term is named by the login
    and its slug is "cap-" and the author's nicename, the address of their old archive.
    """
    found = {}
    for domain, nicename, name in item.terms:
        if domain == "author":
            _add(found, *_co_author(nicename, name.strip(), authors=authors, guests=guests))
    if not found and (creator := item.creator.strip()):
        _add(found, archive_slug(creator), authors.get(creator) or creator)
    return [(slug, display) for display, slug in found.items()]


def _co_author(nicename, login, *, authors, guests):
    """(old archive slug, display name) of a Co-Authors Plus author term."""
    slug = archive_slug(nicename.removeprefix("cap-") or login)
    return slug, guests.get(nicename) or authors.get(login) or authors.get(slug) or login


def _add(found, slug, display):
    """Note an author ({display name: slug}): a name met again is the same author."""
    display = plain(display)[:AUTHOR_NAME_MAX]
    if display:
        found.setdefault(display, slug)


def archive_slug(value):
    """WordPress's user_nicename of a login: lower case, only letters, digits, - and _."""
    return re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-")
