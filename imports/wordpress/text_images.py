"""The images of one post's text: the old site's uploads become our copies; images at any
other address (another site's, a hotlink, or the old site's outside its uploads), which
our Content Security Policy would block, are copied in with --fetch-media or dropped
(their alt text kept) and reported, one by one."""

from urllib.parse import urljoin, urlsplit

from django.conf import settings

from imports.wordpress.fetch import MediaError


class TextImages:
    """Resolves the images of one post's text (content.rewrite_images' callbacks) and keeps
    what the report needs: the images missing, with why, and those copied from uploads."""

    def __init__(self, media, *, site=""):
        self.media = media
        self.site = site.rstrip("/") + "/" if site else ""
        self.missing = {}  # address -> why it could not be had
        self.uploads = []  # (address, Stored) of the old site's uploads used

    def image(self, url):
        """Our address for an <img src>: "" when it cannot be had, None to keep it as it is."""
        try:
            stored = self.media.get(url)
            if stored is None:
                address = urljoin(self.site, url.strip())
                if shown_as_is(address):
                    return None
                return self.media.get_outside(address).url
        except MediaError as exc:
            self.missing.setdefault(url, str(exc))
            return ""
        self.uploads.append((url, stored))
        return stored.url

    def link(self, url):
        """Our address for a link to a full-size image of the old site's uploads; a link to
        anywhere else stays (a link is not blocked as an image is)."""
        try:
            stored = self.media.get(url)
        except MediaError as exc:
            self.missing.setdefault(url, str(exc))
            return None
        return stored.url if stored else None


def shown_as_is(address):
    """True for an image our pages may show where it is: our own site's, or a host the
    Content Security Policy lets images come from (CSP_IMG_HOSTS)."""
    host = (urlsplit(address).hostname or "").lower()
    if not host:
        return False
    own, suffixes = _allowed_hosts()
    return host in own or host.endswith(suffixes)


def _allowed_hosts():
    """({hosts}, (".suffix", …)) of the policy's img-src and SITE_URL."""
    sources = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("img-src", [])
    own, suffixes = {(urlsplit(settings.SITE_URL).hostname or "").lower()}, []
    for source in sources:
        if source.startswith("'") or source.endswith(":"):
            continue  # 'self', data:, https:
        host = urlsplit(source if "//" in source else f"//{source}").hostname or ""
        if source.split("//")[-1].startswith("*."):
            suffixes.append(host.lower().removeprefix("*"))
        else:
            own.add(host.lower())
    return own, tuple(suffixes)
