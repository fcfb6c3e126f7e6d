"""gzip for stored pages, compressed once when the page is made, not for every reader.

A stored page is a head and a tail around one live part (articles.delivery.pagecache).
Each is compressed once as raw deflate ending on a full flush, which leaves the
compressor with nothing carried over; so the live part, compressed alone per request
(a few hundred bytes), and the kept pieces join into one valid deflate stream. A gzip
header and trailer (CRC-32 and length of the whole page) wrap it.

The deflate is zlib-ng's (the zlib-ng package: zlib's format and interface), which
compresses a story page at the same level in half the CPU and sets a compressor up in a
tenth: a page-cache miss compresses its head and tail, a reader's gzip answer its live part.
"""

import functools
import struct

from zlib_ng import zlib_ng as zlib

LEVEL = 6
MIN_BYTES = 200  # smaller than this, compression costs more than it saves
# gzip header: magic, deflate, no flags, no time, no extra flags, unknown OS
HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def raw_compressor(window_bits=zlib.MAX_WBITS, memory=8):
    """A raw deflate compressor (no zlib header or trailer) at LEVEL."""
    return zlib.compressobj(LEVEL, zlib.DEFLATED, -window_bits, memory)


def deflate_piece(data, compressor, *, last=False):
    """`data` as raw deflate: ending on a full flush, or finishing the stream if `last`."""
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH
    )


def pieces(head, tail):
    """The kept pieces of a page: (head compressed, tail compressed, CRC-32 of the head),
    or () when too small to bother."""
    if len(head) + len(tail) < MIN_BYTES:
        return ()
    # one compressor for both: after a full flush it carries nothing over to the tail
    compressor = raw_compressor()
    head_piece = deflate_piece(head, compressor)
    return head_piece, deflate_piece(tail, compressor, last=True), zlib.crc32(head)


def gzip_page(kept, head, live, tail):
    """The gzip body of head + live + tail from the `kept` pieces of head and tail."""
    crc = zlib.crc32(tail, zlib.crc32(live, kept[2]))  # the head's, kept: a sitemap is 1 MB
    size = len(head) + len(live) + len(tail)
    # the live part is a few KB: a 4 KB window and a smaller state compress it as well in
    # less than half the CPU (setting up the default ones costs more than compressing),
    # and any gzip reader takes a smaller window
    middle = deflate_piece(live, raw_compressor(window_bits=12, memory=4)) if live else b""
    return b"".join((HEADER, kept[0], middle, kept[1], struct.pack("<II", crc, size & 0xFFFFFFFF)))


def accepts_gzip(request):
    """True when the client said it takes gzip (and did not refuse it with q=0)."""
    return takes_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))


@functools.lru_cache(maxsize=256)  # browsers send a handful of values
def takes_gzip(accept_encoding):
    """accepts_gzip() of a request whose Accept-Encoding is `accept_encoding`."""
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False
