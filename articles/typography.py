"""Ukrainian typography for text that comes in typed on a keyboard.

Straight quotes become «ялинки» (and „лапки“ inside them), a typewriter apostrophe
between letters the typographic one (м’ясо), a hyphen between spaces a dash with a
non-breaking space before it, a hyphen between numbers a range's en dash (2020–2025),
three dots an ellipsis. Only keyboard characters are changed: whatever an editor typed
with typographic characters on purpose („ “ at the top level, a dash, ʼ) is kept, and
running it twice changes nothing. Addresses, e-mail addresses, code and HTML
attributes are never touched.

The admin, both importers and the demo call `typography` on headlines, teasers and
bodies (`html=True` for a body).
"""

import html as html_module
import re

# Where a straight quote opens a quotation: at the start, after a space, a bracket, a
# dash or another opening quote.
_OPENS_AFTER = set(" \t\n\u00a0([{—–-/«„")
# Pieces of text never changed: addresses, e-mail addresses, `code`. Each repeated part
# starts only where its run starts (the lookbehinds), so a long run costs linear time.
_LITERAL = re.compile(
    r"(https?://\S+|(?<!\S)www\.\S+|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+|`[^`]*`)"
)
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_RANGE = re.compile(r"(?<![\w.,:/-])(\d{1,4})-(\d{1,4})(?![\w.,:/-]|-\d)")
_SPACED_HYPHEN = re.compile(r"(?<![ \u00a0])[ \u00a0]+(?:--?|—)[ \u00a0]+")
_LEADING_HYPHEN = re.compile(r"^(\s*)--? (?=\S)")
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
# A tag as the sanitiser writes it (attribute values in double quotes); see articles.text.
_TAG = re.compile(r'(<[^>"]*(?:"[^"]*"[^>"]*)*>)')
_LITERAL_ELEMENTS = {"code", "pre", "kbd", "samp", "script", "style"}
_BLOCK = re.compile(r"^</?(p|br|li|ul|ol|h[1-6]|blockquote|figure|figcaption|div)\b", re.I)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")
# The characters `_Quotes` changes or counts; text without them passes through whole.
_QUOTE = re.compile('["«„»“]')
# What `_LITERAL` needs to find anything (an address, an e-mail address, code).
_LITERAL_SIGNS = ("://", "www.", "@", "`")


class _Quotes:
    """How deep in quotations the text is, carried from one piece of text to the next."""

    def __init__(self):
        self.depth = 0
        self.previous = " "

    def convert(self, piece):
        # Only the quote characters are looked at; the text between them is copied whole
        # (the character before a quote is what decides whether it opens).
        out, start = [], 0
        for match in _QUOTE.finditer(piece):
            at = match.start()
            if at > start:
                out.append(piece[start:at])
                self.previous = piece[at - 1]
            char = piece[at]
            if char == '"':
                char = self._straight()
            elif char in "«„":
                self.depth += 1
            elif self.depth:  # » or “
                self.depth -= 1
            out.append(char)
            self.previous = char
            start = at + 1
        if start < len(piece):
            out.append(piece[start:])
            self.previous = piece[-1]
        return "".join(out)

    def _straight(self):
        if self.previous in _OPENS_AFTER:
            self.depth += 1
            return "«" if self.depth == 1 else "„"
        if self.depth == 0:
            return '"'  # a closing quote with nothing open (inches, a typo): left alone
        self.depth -= 1
        return "»" if self.depth == 0 else "“"


def _words(piece, quotes, line_start):
    """Typography of a piece of text with no address or code in it."""
    # each rule only where its character is (most text has no dots, apostrophes or hyphens)
    if "..." in piece:
        piece = _ELLIPSIS.sub("…", piece)
    if "'" in piece:
        piece = _APOSTROPHE.sub("’", piece)
    if "-" in piece:
        piece = _RANGE.sub(r"\1–\2", piece)
    if "-" in piece or "—" in piece:
        piece = _SPACED_HYPHEN.sub("\u00a0— ", piece)
    if line_start and "-" in piece:
        piece = _LEADING_HYPHEN.sub(r"\1— ", piece)
    return quotes.convert(piece)


def _text(value, quotes, line_start=True):
    parts = []
    pieces = _LITERAL.split(value) if any(s in value for s in _LITERAL_SIGNS) else [value]
    for n, piece in enumerate(pieces):
        if n % 2:  # an address or code: as typed
            parts.append(piece)
            quotes.previous = piece[-1:] or quotes.previous
        else:
            lines = piece.split("\n")
            parts.append(
                "\n".join(
                    _words(line, quotes, line_start=(line_start and n == 0) or i > 0)
                    for i, line in enumerate(lines)
                )
            )
    return "".join(parts)


def _html(value, quotes):
    parts, literal, line_start = [], 0, True
    for n, piece in enumerate(_TAG.split(value)):
        if n % 2:  # a tag (split keeps what the pattern matched at the odd places)
            name = _TAG_NAME.match(piece)
            name = name.group(1).lower() if name else ""
            if name in _LITERAL_ELEMENTS:
                literal += -1 if piece.startswith("</") else 1
            if _BLOCK.match(piece):
                quotes.previous, line_start = " ", True
            parts.append(piece)
        elif literal > 0 or not piece:
            parts.append(piece)
        else:
            text = _text(html_module.unescape(piece), quotes, line_start)
            # as the sanitiser writes text, so that a sanitised body stays one
            parts.append(html_module.escape(text, quote=False).replace("\u00a0", "&nbsp;"))
            line_start = False
    return "".join(parts)


def typography(value, *, html=False):
    """`value` with Ukrainian typography; `html`: a sanitised HTML fragment (a body)."""
    if not value:
        return value
    quotes = _Quotes()
    return _html(value, quotes) if html else _text(value, quotes)
