"""Embeds as click-to-load facades: YouTube videos, Telegram posts and X posts.

An editor puts the address of a video or a post on a line of its own (a paragraph that
is only a link, or only the address). The stored text keeps that link; pages show it as
a facade: a box that is a plain link to the post, with a note of where the player comes
from. Nothing loads from the third party until the reader clicks; then the site's
script (static/js/site.js) puts the provider's player in an iframe there. The Content
Security Policy allows frames from these three hosts only (`frame-src`) and scripts from
the site only, so a page can frame nothing else, whatever its text says.
"""

import html
import re
from dataclasses import dataclass

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

YOUTUBE_FRAMES = "https://www.youtube-nocookie.com"
TELEGRAM_FRAMES = "https://t.me"
X_FRAMES = "https://platform.twitter.com"
FRAME_HOSTS = (YOUTUBE_FRAMES, TELEGRAM_FRAMES, X_FRAMES)  # newsroom.settings: frame-src


@dataclass(frozen=True)
class Embed:
    provider: str  # "youtube", "telegram", "x"
    link: str  # the post's own address: where the facade links without JavaScript
    frame: str  # the player's address, loaded only after a click
    label: str
    host: str


_YOUTUBE = re.compile(
    r"https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:[^\"'\s<>]*&(?:amp;)?)?v=|shorts/|embed/)"
    r"|youtu\.be/)([A-Za-z0-9_-]{11})"
)
_TELEGRAM = re.compile(r"https?://t\.me/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})/(\d{1,12})")
_X = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/status/(\d{1,20})"
)

# A paragraph that holds only a link (or only an address): the editor's way to embed.
_ALONE = re.compile(
    r"<p>\s*(?:<a\s+href=\"(?P<href>[^\"]+)\"[^>]*>[^<]*</a>|(?P<bare>https?://[^\s<]+))\s*</p>"
)


def find(url):
    """The Embed for a post or video address, or None for any other address."""
    url = html.unescape(url).strip()
    if found := _YOUTUBE.match(url):
        video = found.group(1)
        return Embed(
            "youtube",
            f"https://www.youtube.com/watch?v={video}",
            f"{YOUTUBE_FRAMES}/embed/{video}?autoplay=1",
            _("Video on YouTube"),
            "youtube-nocookie.com",
        )
    if found := _TELEGRAM.match(url):
        channel, post = found.groups()
        return Embed(
            "telegram",
            f"https://t.me/{channel}/{post}",
            f"{TELEGRAM_FRAMES}/{channel}/{post}?embed=1",
            _("Telegram post: @%(channel)s") % {"channel": channel},
            "t.me",
        )
    if found := _X.match(url):
        user, post = found.groups()
        return Embed(
            "x",
            f"https://x.com/{user}/status/{post}",
            f"{X_FRAMES}/embed/Tweet.html?id={post}",
            _("Post on X: @%(user)s") % {"user": user},
            "platform.twitter.com",
        )
    return None


def facade(embed):
    """The facade's HTML: a link to the post, and what a click will load."""
    note = _("Click to load it from %(host)s") % {"host": embed.host}
    return (
        f'<figure class="embed embed-{embed.provider}" data-embed-src="{html.escape(embed.frame)}"'
        f' data-embed-title="{html.escape(embed.label)}">'
        f'<a class="embed-facade" href="{html.escape(embed.link)}" rel="noopener noreferrer">'
        f'<span class="embed-play" aria-hidden="true">▶</span>'
        f'<span class="embed-label">{html.escape(embed.label)}</span>'
        f'<span class="embed-note">{html.escape(note)}</span></a></figure>'
    )


def with_facades(body):
    """A story's (sanitised) text with each lone link to a video or post as a facade."""

    def replace(match):
        embed = find(match.group("href") or match.group("bare"))
        return facade(embed) if embed else match.group(0)

    return mark_safe(_ALONE.sub(replace, body))
