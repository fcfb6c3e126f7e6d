"""Which cookies make a reader's page their own, and which are only noise.

A reader with a message waiting (the thanks after a vote without JavaScript), a recent
write of theirs (the database router's read-your-writes pin) or a session (signed in)
gets a page of their own from the views. Anybody can send those cookies' names, though:
`nr_primary=1` or `sessionid=junk` on every request of a flood would send each one past
both caches to a render on the primary. So a cookie counts only when it is what the site
set: a message or a pin carrying this site's signature and not expired, a session id
that names a session with something in it. Anything else is ignored, and the reader gets
the stored page, as every anonymous reader does.

A message is read on the next page a reader opens, so a message cookie counts for a minute
from when it was signed (`TimedCookieStorage`): a genuine one, kept and replayed on every
request of a flood, would otherwise send each past both caches for ever.
"""

import binascii
import functools
import json
import re
from importlib import import_module

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage, MessageSerializer
from django.core import signing
from django.db import DatabaseError
from django.utils.module_loading import import_string

MESSAGES_COOKIE = getattr(settings, "MESSAGE_COOKIE_NAME", "messages")
# Seconds a message cookie is honoured after it was set: it is read on the next page.
MESSAGES_MAX_AGE = 60
# The form of the keys Django's session backends make (get_random_string(32, a-z0-9)).
SESSION_KEY = re.compile(r"[a-z0-9]{32}")


@functools.cache
def _signed_checks():
    """{cookie name: check(value) -> bool}: messages, and PAGE_CACHE_BYPASS_COOKIES."""
    checks = {MESSAGES_COOKIE: messages_are_signed}
    for name, path in getattr(settings, "PAGE_CACHE_BYPASS_COOKIES", {}).items():
        checks[name] = import_string(path)
    return checks


class TimedCookieStorage(CookieStorage):
    """Django's cookie message storage, with the time of signing in the signature.

    Messages older than MESSAGES_MAX_AGE are dropped unread, as a forged cookie is.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signer = messages_signer()

    def _decode(self, data):
        if not data:
            return None
        try:
            return self.signer.unsign_object(
                data, serializer=MessageSerializer, max_age=MESSAGES_MAX_AGE
            )
        except (signing.BadSignature, binascii.Error, json.JSONDecodeError):
            pass
        self.used = True  # drop the cookie
        return None


def messages_signer():
    return signing.TimestampSigner(
        key=settings.SECRET_KEY,
        fallback_keys=settings.SECRET_KEY_FALLBACKS,
        salt=f"{CookieStorage.key_salt}.timed",
    )


def messages_are_signed(value):
    """True when the messages cookie carries this site's signature of the last minute."""
    try:
        messages_signer().unsign(value, max_age=MESSAGES_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return False
    return True


def has_signed_own_cookie(request):
    """True when the request has a message waiting or a read-your-writes pin, signed by us."""
    cookies = request.COOKIES
    return any(name in cookies and check(cookies[name]) for name, check in _signed_checks().items())


def signed_in(request):
    """True for a signed-in user's request. Without a session cookie there is no session,
    so no user: asked first, it spares an anonymous reader's page the lazy user's setup."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_authenticated


def has_live_session(request):
    """True when the session cookie names a session with something in it.

    Costs a cache read (and, for a key the cache does not know, a primary-key query), so
    it is asked only when a stored page would otherwise be served. A database that cannot
    be reached counts as a session: the views then answer what they answer (a 503 page).
    """
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key or not SESSION_KEY.fullmatch(key):
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    try:
        return bool(store.load())
    except DatabaseError:
        return True
