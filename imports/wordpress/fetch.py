"""Downloading an image from the old site (--fetch-media): http(s) only, no private
addresses unless allowed, pinned to the address checked, capped and timed out."""

import ipaddress
import socket
import ssl
import time
from http.client import HTTPConnection, HTTPSConnection
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext_lazy as _

FETCH_TIMEOUT = 10  # seconds, to connect and between bytes
FETCH_DEADLINE = 30  # seconds for one image in all, however slowly its bytes come
FETCH_REDIRECTS = 3


# Media: a copy of the uploads folder, or downloads with SSRF protection


class MediaError(Exception):
    """Why an image could not be had: in English for the commands' output, and in the
    interface's language for an editor (`for_editors`, the English one when not given)."""

    def __init__(self, message, for_editors=None):
        super().__init__(message)
        self.for_editors = for_editors or message


CANNOT_RESOLVE = _("the site %(host)s cannot be found")
PRIVATE = _("%(host)s is a private, loopback or reserved address, not a site of the web")
FAILED = _("the site did not answer or broke off the download")
REDIRECTS = _("the site redirects too many times")
NOT_WEB = _("it is not a web (http or https) address")
STATUS = _("the site answered HTTP %(status)s instead of the picture")
NOT_FOUND = _("there is no picture at this address (HTTP 404)")
TOO_LARGE = _("the picture is larger than %(size)d MB")
TOO_SLOW = _("the download took longer than %(seconds)d s")


def _address_allowed(host, allow_private):
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        message = f"cannot resolve {host}: {exc}"
        raise MediaError(message, CANNOT_RESOLVE % {"host": host}) from None
    addresses = {info[4][0] for info in infos}
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not allow_private and not ip.is_global:
            raise MediaError(
                f"{host} is a private, loopback or reserved address ({ip}); refused "
                "(allow with --allow-private-addresses)",
                PRIVATE % {"host": host},
            )
    return sorted(addresses)[0]


class _PinnedHTTPSConnection(HTTPSConnection):
    """HTTPS to an address checked beforehand, verified against the host's name."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def fetch(url, *, max_bytes, allow_private=False, timeout=FETCH_TIMEOUT):
    """Download an image: http(s) only, no private addresses unless allowed, capped, timed out.

    The address is checked after resolving and the connection made to that very address,
    so a name that resolves differently the second time cannot reach inside.
    """
    for _hop in range(FETCH_REDIRECTS + 1):
        connection, target = _connection_to(url, allow_private, timeout)
        try:
            connection.request("GET", target, headers={"User-Agent": "Newsroom-import"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            return _body(response, max_bytes)
        except (OSError, ssl.SSLError) as exc:
            raise MediaError(f"download failed: {exc}", FAILED) from None
        finally:
            connection.close()
    raise MediaError("too many redirects", REDIRECTS)


def _connection_to(url, allow_private, timeout):
    """(a connection pinned to the checked address of `url`'s host, the path to ask for);
    MediaError for an address that is not http(s) or not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaError(f"not an http(s) address: {url}", NOT_WEB)
    address = _address_allowed(parts.hostname, allow_private)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, address, port=parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection, target


def _body(response, max_bytes):
    """The body of a final response: refused unless 200 and at most max_bytes, in time."""
    if response.status != 200:
        status = response.status
        reason = NOT_FOUND if status == 404 else STATUS % {"status": status}
        raise MediaError(f"HTTP {status}", reason)
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise _too_large(max_bytes)
    data = _read_within(response, max_bytes, time.monotonic() + FETCH_DEADLINE)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _too_large(max_bytes):
    size = max_bytes // (1024 * 1024)
    return MediaError(f"larger than {size} MB", TOO_LARGE % {"size": size})


def _read_within(response, max_bytes, deadline):
    """The body, up to max_bytes + 1, read in pieces that must all come before `deadline`."""
    pieces, size = [], 0
    while size <= max_bytes:
        if time.monotonic() > deadline:
            message = f"took longer than {FETCH_DEADLINE} s"
            raise MediaError(message, TOO_SLOW % {"seconds": FETCH_DEADLINE})
        piece = response.read1(min(64 * 1024, max_bytes + 1 - size))  # what has come
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)
