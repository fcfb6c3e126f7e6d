"""A post's content as our HTML: WordPress's paragraph rules, shortcodes, blocks, in
linear time and without recursion; headlines and names as plain text."""

import functools
import html
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.html import strip_tags

from articles import text
from imports.wordpress.footnotes import link_references, notes_list, read_notes
from imports.wordpress.forms import FORM_CLOSE, FORM_OPEN, form_text

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


# Content: WordPress's paragraph rules, shortcodes, blocks


_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|"
    r"form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|"
    r"aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)

# wpautop's patterns that name every block element, compiled once
_BLOCK_OPEN = re.compile(r"(<" + _ALLBLOCKS + r"[\s/>])")
_BLOCK_CLOSE = re.compile(r"(</" + _ALLBLOCKS + r">)")
_P_AROUND_BLOCK = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^<>]*>)\s*</p>")
_P_BEFORE_BLOCK = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^<>]*>)")
_P_AFTER_BLOCK = re.compile(r"(</?" + _ALLBLOCKS + r"[^<>]*>)\s*</p>")
_BR_AFTER_BLOCK = re.compile(r"(</?" + _ALLBLOCKS + r"[^<>]*>)\s*<br />")


# the rest of wpautop's patterns, compiled once
_DOUBLE_BR = re.compile(r"<br\s*/?>\s*<br\s*/?>")
_HR = re.compile(r"(<hr\s*?/?>)")
_SPACE_OPTION = re.compile(r"(?<!\s)\s*<option")
_OPTION_SPACE = re.compile(r"</option>\s*")
_OBJECT_OPEN = re.compile(r"(<object[^<>]*>)\s*")
_OBJECT_CLOSE = re.compile(r"(?<!\s)\s*</object>")
_PARAM_EMBED = re.compile(r"(?<!\s)\s*(</?(?:param|embed)[^<>]*>)\s*")
_MEDIA_OPEN = re.compile(r"([<\[](?:audio|video)[^<>\[\]]*[>\]])\s*")
_MEDIA_CLOSE = re.compile(r"(?<!\s)\s*([<\[]/(?:audio|video)[>\]])")
_SOURCE_TRACK = re.compile(r"(?<!\s)\s*(<(?:source|track)[^<>]*>)\s*")
_FIGCAPTION_OPEN = re.compile(r"(?<!\s)\s*(<figcaption[^<>]*>)")
_FIGCAPTION_CLOSE = re.compile(r"</figcaption>\s*")
_NEWLINES = re.compile(r"\n\n+")
_EMPTY_P = re.compile(r"<p>\s*</p>")
_P_UNCLOSED = re.compile(r"<p>([^<]+)</(div|address|form)>")
_P_BLOCKQUOTE = re.compile(r"<p><blockquote([^<>]*)>", re.I)
_NEWLINE_NO_BR = re.compile(r"(?<!<br />)(?<!\s)\s*\n")
_BR_BEFORE_BLOCK = re.compile(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^<>]*>)")
_LAST_NEWLINE_P = re.compile(r"\n</p>$")
_TAG = re.compile(r"<[^<>]*>")
_COMMENT_OPEN, _COMMENT_CLOSE = re.compile("<!--"), re.compile("-->")
_P_LI_OPEN, _P_LI_CLOSE = re.compile("<p>(?=<li)"), re.compile("</p>|\n")
_RAW_TEXT = {
    name: (re.compile(f"<{name}"), re.compile(f"</{name}>"))
    for name in ("script", "style", "svg", "math")
}


def _sub_spans(value, opening, closing, replace, *, optional=False):
    """re.sub of `opening.*?closing` (across lines) in linear time, however many openings
    have no closing after them: replace(opening match, text between, closing match) gives
    a span's new text, or None to leave that opening alone. With `optional`, an opening
    with no closing after it is replaced alone (text between and closing match None)."""
    out, pos, close, searched = [], 0, None, False
    for m in opening.finditer(value):
        if m.start() < pos:
            continue  # inside a span already replaced
        if not searched or (close is not None and close.start() < m.end()):
            # the first closing after this opening (the one found before is still it
            # while it lies ahead: each stretch of text is searched once)
            close, searched = closing.search(value, m.end()), True
        if close is None and not optional:
            break
        inner = value[m.end() : close.start()] if close is not None else None
        new = replace(m, inner, close)
        if new is None:
            continue
        out.append(value[pos : m.start()])
        out.append(new)
        pos = close.end() if close is not None else m.end()
    out.append(value[pos:])
    return "".join(out)


def wpautop(value, br=True):
    """WordPress's wpautop(): blank lines make paragraphs, single newlines line breaks."""
    if not value.strip():
        return ""
    value += "\n"
    pre_tags = {}
    if "<pre" in value:
        parts = value.split("</pre>")
        last = parts.pop()
        value = ""
        for i, part in enumerate(parts):
            start = part.find("<pre")
            if start == -1:
                value += part
                continue
            name = f"<pre wp-pre-tag-{i}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            value += part[:start] + name
        value += last
    value = _DOUBLE_BR.sub("\n\n", value)
    value = _BLOCK_OPEN.sub(r"\n\n\1", value)
    value = _BLOCK_CLOSE.sub(r"\1\n\n", value)
    value = _HR.sub(r"\1\n\n", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _sub_spans(
        value,
        _COMMENT_OPEN,
        _COMMENT_CLOSE,
        lambda _m, inner, _c: "<!--" + inner.replace("\n", " <!-- wpnl --> ") + "-->",
    )
    value = _TAG.sub(lambda m: m.group(0).replace("\n", " <!-- wpnl --> "), value)
    if "<option" in value:
        value = _SPACE_OPTION.sub("<option", value)
        value = _OPTION_SPACE.sub("</option>", value)
    if "</object>" in value:
        value = _OBJECT_OPEN.sub(r"\1", value)
        value = _OBJECT_CLOSE.sub("</object>", value)
        value = _PARAM_EMBED.sub(r"\1", value)
    if "<source" in value or "<track" in value:
        value = _MEDIA_OPEN.sub(r"\1", value)
        value = _MEDIA_CLOSE.sub(r"\1", value)
        value = _SOURCE_TRACK.sub(r"\1", value)
    if "<figcaption" in value:
        value = _FIGCAPTION_OPEN.sub(r"\1", value)
        value = _FIGCAPTION_CLOSE.sub("</figcaption>", value)
    value = _NEWLINES.sub("\n\n", value)
    paragraphs = [p for p in _BLANK_LINES.split(value) if p]
    value = "".join(f"<p>{p.strip(chr(10))}</p>\n" for p in paragraphs)
    value = _EMPTY_P.sub("", value)
    value = _P_UNCLOSED.sub(r"<p>\1</p></\2>", value)
    value = _P_AROUND_BLOCK.sub(r"\1", value)
    value = _sub_spans(
        value, _P_LI_OPEN, _P_LI_CLOSE, lambda _m, inner, c: inner if c.group() == "</p>" else None
    )
    value = _P_BLOCKQUOTE.sub(r"<blockquote\1><p>", value)
    value = value.replace("</blockquote></p>", "</p></blockquote>")
    value = _P_BEFORE_BLOCK.sub(r"\1", value)
    value = _P_AFTER_BLOCK.sub(r"\1", value)
    if br:
        for opening, closing in _RAW_TEXT.values():
            value = _sub_spans(
                value,
                opening,
                closing,
                lambda m, inner, c: (
                    m.group() + inner.replace("\n", "<WPPreserveNewline />") + c.group()
                ),
            )
        value = value.replace("<br>", "<br />").replace("<br/>", "<br />")
        value = _NEWLINE_NO_BR.sub("<br />\n", value)
        value = value.replace("<WPPreserveNewline />", "\n")
    value = _BR_AFTER_BLOCK.sub(r"\1", value)
    value = _BR_BEFORE_BLOCK.sub(r"\1", value)
    value = _LAST_NEWLINE_P.sub("</p>", value)
    for name, original in pre_tags.items():
        value = value.replace(name, original)
    return value.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")


# the opening of a comment that is a block's delimiter, or a <!--more--> (each runs to
# the first "-->" after it)
_BLOCK_COMMENT = re.compile(r"<!--\s*(/)?wp:([a-z][a-z0-9_/-]*)", re.I)
_MORE = re.compile(r"<!--\s*(?:more|nextpage|noteaser)\b", re.I)
# one shortcode tag: "[name attrs]", "[name attrs /]", "[/name]", "[[name]]" (escaped); its
# attributes end at the next bracket, so each stretch of text is read once
_SHORTCODE_TAG = re.compile(r"\[(\[?)(/?)([a-z][a-z0-9_-]*)(?![\w-])([^\[\]]*)\](\]?)", re.I)
_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)"""
    r"""|"([^"]*)"|'([^']*)'|(\S+)"""
)
# an address, its host a name or a bracketed IPv6 literal ("http://[2001:db8::1]/x.jpg")
_URL = re.compile(r"https?://(?:\[[0-9A-Fa-f:.]+\])?[^\s<>\"'\]\[]+")
_BARE_URL_LINE = re.compile(r"^([ \t]*)(https?://[^\s<>\"]+)([ \t]*)$", re.M)
# <video>, <audio> and <iframe>: the opening tag, and the closing one after it
_EMBEDDED = {
    name: (re.compile(rf"<{name}\b([^<>]*)>", re.I), re.compile(rf"</{name}\s*>", re.I))
    for name in ("iframe", "video", "audio")
}
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_HREF = re.compile(r"""(<a\b[^<>]*?\bhref\s*=\s*)(["'])([^<>]*?)\2""", re.I)
_IMG = re.compile(r"<img\b[^<>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_CAPTION_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)
EMBEDS = {"embed", "video", "audio", "youtube", "vimeo", "playlist", "soundcloud"}
# SyntaxHighlighter's shortcodes: their content is code, shown as written
CODE_SHORTCODES = {
    "code",
    "sourcecode",
    "source",
    *"bash c cpp csharp css java js javascript perl php "
    "plain python py ruby sql text xml html shell".split(),
}
# shortcodes WordPress or a widespread plugin registers: anything else in square brackets
# ("[sic]", "arr[j]", "[note 1]") is text, as WordPress itself shows unregistered ones
REGISTERED_SHORTCODES = {
    "caption",
    "wp_caption",
    "gallery",
    "embed",
    "video",
    "audio",
    "playlist",
    *EMBEDS,
    *CODE_SHORTCODES,
    "contact-form-7",
    "contact-form",
    "googlemaps",
    "twitter",
    "instagram",
    "dailymotion",
    "ted",
    "slideshare",
    "spotify",
    "elementor-template",
    "products",
    "product",
}
# page builders' and themes' families of shortcodes (layout wrappers, buttons, dividers)
REGISTERED_PREFIXES = ("vc_", "et_pb_", "fusion_", "su_", "wm_", "cs_", "tve_", "themify_")


def registered(name):
    """True for a shortcode WordPress or a known plugin registers (see REGISTERED_*)."""
    return name in REGISTERED_SHORTCODES or name.startswith(REGISTERED_PREFIXES)


MEDIA_ATTRS = ("src", "url", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "ogg", "wav")


def _attrs(raw):
    """WordPress's shortcode_parse_atts(): named values and positional ones."""
    named, positional = {}, []
    for m in _ATTR.finditer(raw or ""):
        if m.group(1):
            named[m.group(1).lower()] = m.group(2)
        elif m.group(3):
            named[m.group(3).lower()] = m.group(4)
        elif m.group(5):
            named[m.group(5).lower()] = m.group(6)
        else:
            positional.append(m.group(7) or m.group(8) or m.group(9) or "")
    return named, positional


def _link(url):
    url = html.unescape(url.strip())
    escaped = html.escape(url, quote=True)
    return f'\n\n<p><a href="{escaped}">{escaped}</a></p>\n\n'


def _image_html(attachment):
    alt = html.escape(attachment.alt or attachment.title, quote=True)
    src = html.escape(attachment.url, quote=True)
    caption = (
        f"<figcaption>{html.escape(attachment.caption)}</figcaption>" if attachment.caption else ""
    )
    return f'<figure><img src="{src}" alt="{alt}">{caption}</figure>'


@dataclass
class Converted:
    html: str
    images: list  # the image addresses the body refers to, in order
    unknown_shortcodes: list
    dropped_blocks: list
    missing_gallery: list
    forms: int = 0  # forms made text (not brought)


def convert_body(raw, *, post_id=0, attachments=None, children=None, footnotes=""):
    """An export's post_content as HTML: its images not yet resolved, not yet sanitised.

    `footnotes` is the post's footnotes meta (Gutenberg's JSON). Every step reads the text
    in linear time and none recurses, so a hostile body (deeply nested shortcodes, a
    megabyte of "[a ") is converted in well under a second.
    """
    converted = Converted("", [], [], [], [])
    has_blocks = "<!-- wp:" in raw
    notes = read_notes(footnotes) if footnotes else {}
    raw = _STRAY_LESS_THAN.sub("&lt;", raw)
    if notes:
        raw = link_references(raw, notes)
    depth, notes_shown = 0, False

    def block(m, inner, _close):
        # the text outside every block (the Classic block's) is marked for wpautop
        nonlocal depth, notes_shown
        closing, name = m.group(1), m.group(2).lower().removeprefix("core/")
        if not closing and inner.rstrip().endswith("/"):
            if name == "footnotes":
                notes_shown = bool(notes)
                return _as_block(notes_list(notes), depth) if notes else "\n\n"
            if name not in ("more", "nextpage"):
                converted.dropped_blocks.append(name)  # the old site's code drew it
            return "\n\n"
        depth = max(depth + (-1 if closing else 1), 0)
        if closing:
            return "\n\n" + (_BLOCKS_END if depth == 0 else "")
        return (_BLOCKS_START if depth == 1 else "") + "\n\n"

    value = _sub_spans(raw, _BLOCK_COMMENT, _COMMENT_CLOSE, block)
    if notes and not notes_shown:  # notes without a block to show them: after the text
        value += _as_block(notes_list(notes), 0) if has_blocks else "\n\n" + notes_list(notes)
    value = _sub_spans(value, _MORE, _COMMENT_CLOSE, lambda _m, _inner, _close: "")
    for name, (opening, closing) in _EMBEDDED.items():
        value = _sub_spans(
            value,
            opening,
            closing,
            lambda m, inner, _close: _media_link(m.group(1) + (inner or "")),
            optional=name == "iframe",
        )
    shortcodes = Shortcodes(post_id, attachments or {}, children, converted)
    value = expand_shortcodes(value, shortcodes.render)
    if FORM_OPEN.search(value):
        value = _forms_as_text(value, converted)
    value = _BARE_URL_LINE.sub(lambda m: m.group(1) + _link(m.group(2)).strip() + m.group(3), value)
    value = _autop_outside_blocks(value) if has_blocks else wpautop(value)
    converted.html = _HEADING.sub(_heading_under_headline(value), value)
    converted.images = [
        html.unescape(m.group(2)) for img in _IMG.findall(value) for m in [_SRC.search(img)] if m
    ]
    return converted


def _forms_as_text(value, converted):
    """Each <form>…</form> as the words a reader could read in it (see forms.py)."""

    def form(_m, inner, _close):
        converted.forms += 1
        if inner is None:  # never closed: its fields are dropped as the sanitiser drops them
            return " "
        return form_text(_sub_spans(inner, _COMMENT_OPEN, _COMMENT_CLOSE, lambda *_: " "))

    return _sub_spans(value, FORM_OPEN, FORM_CLOSE, form, optional=True)


# where text at the top level of a block post (outside every block) ends and starts again
_BLOCKS_START, _BLOCKS_END = "\x01", "\x02"  # no XML text can hold either


def _as_block(value, depth):
    """HTML a block drew, at `depth` blocks deep: at the top it is marked as a block's."""
    return f"\n\n{value}\n\n" if depth else f"{_BLOCKS_START}\n\n{value}\n\n{_BLOCKS_END}"


# a "<" that cannot open a tag, as in "0<f<20" or "a<b)": the name after it runs into a
# character no element's name has, where a browser would take the text up to the next ">"
# for a tag and hide it
_STRAY_LESS_THAN = re.compile(r"<(?=[A-Za-z][\w:.-]*[^\w:.\s/>-])")


def _autop_outside_blocks(value):
    """A block post's text outside its blocks gets WordPress's paragraph rules, as the
    Classic block shows it; what the blocks hold is HTML already."""
    out, inside = [], False
    for part in re.split("([\x01\x02])", value):
        if part in (_BLOCKS_START, _BLOCKS_END):
            inside = part == _BLOCKS_START
        elif inside or not part.strip():
            out.append(part)
        else:
            out.append(wpautop(part))
    return "".join(out)


_HEADING = re.compile(r"<(/?)h([1-6])\b", re.I)


def _heading_under_headline(value):
    """The replacement of each heading tag: levels moved under the story's headline (an
    <h1> in the text moves every level down one), h2 to h4 as the site styles them."""
    shift = 1 if re.search(r"<h1\b", value, re.I) else 0

    def level(m):
        return f"<{m.group(1)}h{min(max(int(m.group(2)) + shift, 2), 4)}"

    return level


class _Open:
    """A shortcode opened and not yet closed, with what came after it so far."""

    __slots__ = ("name", "attrs", "escape", "pieces")

    def __init__(self, name, attrs, escape, pieces):
        self.name, self.attrs, self.escape = name, attrs, escape  # "[" of "[[name]"
        self.pieces = pieces


def expand_shortcodes(value, render, *, known=registered):
    """Replace WordPress shortcodes in one pass over their tags, with a stack, not recursion.

    Only shortcodes `known(name)` accepts are shortcodes; any other tag stays as text.
    render(name, attrs, content) gives the pieces a shortcode becomes: `content` is the
    pieces of its (already expanded) content, or None when it has no closing tag; a stray
    closing tag is rendered with name "/name". A piece is a text or a list of pieces, so
    content moves into its parent without being copied; the text is joined once, at the
    end. "[[name]]" is the literal text "[name]". The content of a code shortcode is not
    read for shortcodes: it is handed to render as written.
    """
    root = _Open("", "", "", [])
    stack, open_names, pos, code_ends = [root], Counter(), 0, {}
    while m := _SHORTCODE_TAG.search(value, pos):
        escape_open, slash, name, attrs, escape_close = m.groups()
        name = name.lower()
        if not known(name):
            stack[-1].pieces.append(value[pos : m.start() + 1])
            pos = m.start() + 1  # an opening bracket of text: look on after it
            continue
        stack[-1].pieces.append(value[pos : m.start()])
        pos = m.end()
        if escape_open and escape_close:
            stack[-1].pieces.append(m.group()[1:-1])
        elif slash:
            stack[-1].pieces.append(escape_open)
            _close(stack, open_names, name, render)
            stack[-1].pieces.append(escape_close)
        elif attrs.rstrip().endswith("/"):
            stack[-1].pieces += [escape_open, *render(name, attrs.rstrip()[:-1], None)]
            stack[-1].pieces.append(escape_close)
        elif name in CODE_SHORTCODES and (end := _code_end(value, name, pos, code_ends)):
            code = value[pos : end.start()]
            stack[-1].pieces += [escape_open, *render(name, attrs, [code]), escape_close]
            pos = end.end()
        else:
            stack.append(_Open(name, attrs, escape_open, [escape_close] if escape_close else []))
            open_names[name] += 1
    stack[-1].pieces.append(value[pos:])
    while len(stack) > 1:
        _unclosed(stack, open_names, render)
    return _joined(root.pieces)


def _code_end(value, name, pos, found):
    """The first "[/name]" at or after `pos`, or None; `found` remembers each name's last
    answer, so the text after an unclosed [code] is searched once, not once a tag."""
    last = found.get(name, False)
    if last is None or (last and last.start() >= pos):
        return last
    found[name] = re.compile(rf"\[/{re.escape(name)}\]", re.I).search(value, pos)
    return found[name]


def _close(stack, open_names, name, render):
    """A closing tag: the shortcode it closes is rendered with its content; those opened
    inside it and never closed are rendered without content."""
    if not open_names[name]:
        stack[-1].pieces.extend(render("/" + name, "", None))
        return
    while stack[-1].name != name:
        _unclosed(stack, open_names, render)
    done = stack.pop()
    open_names[name] -= 1
    stack[-1].pieces += [done.escape, *render(done.name, done.attrs, done.pieces)]


def _unclosed(stack, open_names, render):
    done = stack.pop()
    open_names[done.name] -= 1
    stack[-1].pieces += [done.escape, *render(done.name, done.attrs, None), done.pieces]


def _joined(pieces, limit=None):
    """The text of nested pieces, walked without recursion; at most `limit` characters."""
    out, size, todo = [], 0, [iter(pieces)]
    while todo:
        for piece in todo[-1]:
            if isinstance(piece, list):
                todo.append(iter(piece))
                break
            out.append(piece)
            size += len(piece)
            if limit is not None and size >= limit:
                return "".join(out)[:limit]
        else:
            todo.pop()
    return "".join(out)


def _is_blank(pieces):
    return all(isinstance(piece, str) and not piece.strip() for piece in pieces)


def _code_block(content):
    """The pieces a code shortcode becomes: its text, unescaped once, in <pre><code>;
    nothing when it was never closed."""
    if content is None:
        return []
    code = html.unescape(_joined(content or [])).strip("\n")
    return [f"\n\n<pre><code>{html.escape(code, quote=False)}</code></pre>\n\n"]


def _stripped(pieces):
    """`pieces` without the white space at the start of the first and the end of the last,
    where those are texts."""
    if pieces and isinstance(pieces[0], str):
        pieces = [pieces[0].lstrip(), *pieces[1:]]
    if pieces and isinstance(pieces[-1], str):
        pieces = [*pieces[:-1], pieces[-1].rstrip()]
    return pieces


class Shortcodes:
    """What the shortcodes of one post become: figures, galleries, links to videos."""

    def __init__(self, post_id, attachments, children, converted):
        self.post_id = post_id
        self.attachments = attachments
        self.children = children
        self.converted = converted

    def render(self, name, raw_attrs, content):
        """The pieces shortcode `name` becomes (see expand_shortcodes)."""
        if name.startswith("/"):  # a closing tag with nothing open to close
            self.converted.unknown_shortcodes.append(name[1:])
            return []
        if name in CODE_SHORTCODES:
            return _code_block(content)
        if name in ("caption", "wp_caption"):
            return self.caption(_attrs(raw_attrs)[0], content or [])
        if name == "gallery":
            return [self.gallery(_attrs(raw_attrs)[0])]
        if name in EMBEDS:
            named, positional = _attrs(raw_attrs)
            text = _joined(content or [], limit=4096)
            return [self.embed(name, named, positional, raw_attrs, text)]
        self.converted.unknown_shortcodes.append(name)
        return [] if content is None else [content]

    def caption(self, named, content):
        """A figure: the image the caption's text starts with, the rest its caption."""
        image, rest = "", content
        first = content[0] if content and isinstance(content[0], str) else None
        if first is not None and (found := _CAPTION_IMAGE.match(first)):
            image, rest = found.group(1), [found.group(2), *content[1:]]
        rest = _stripped(rest)
        if _is_blank(rest):
            rest = [named["caption"]] if named.get("caption", "").strip() else []
        caption = ["<figcaption>", rest, "</figcaption>"] if rest else []
        return ["\n\n<figure>", image, *caption, "</figure>\n\n"]

    def gallery(self, named):
        raw_ids = named.get("ids") or named.get("include") or ""
        ids = [int(i) for i in re.findall(r"\d+", raw_ids)]
        if not ids and self.children is not None:
            parent = int(named["id"]) if named.get("id", "").isdigit() else self.post_id
            ids = self.children(parent)
        figures = []
        for pk in ids:
            if pk in self.attachments:
                figures.append(_image_html(self.attachments[pk]))
            else:
                self.converted.missing_gallery.append(pk)
        return "\n\n" + "\n".join(figures) + "\n\n"

    def embed(self, name, named, positional, raw_attrs, content):
        candidates = [content.strip()] + [named.get(a, "") for a in MEDIA_ATTRS]
        candidates += positional + [raw_attrs.lstrip("= ")]
        for candidate in candidates:
            url = _URL.search(candidate or "")
            if url:
                return _link(url.group(0))
        self.converted.unknown_shortcodes.append(name)
        return ""


def _media_link(attrs_and_inner):
    found = _SRC.search(attrs_and_inner)
    return _link(found.group(2)) if found else "\n\n"


def rewrite_images(value, resolve_image, resolve_link=None):
    """Point <img src> (and links to full-size images) at our copies; drop images we lack.

    `resolve_image(url)` returns our address for the image, "" when it could not be had,
    or None when it stays where it is; `resolve_link(url)` the same for a link to an image
    (resolve_image when not given).
    """
    resolve_link = resolve_link or resolve_image

    def image(m):
        tag = m.group(0)
        src = _SRC.search(tag)
        if not src:
            return ""
        new = resolve_image(html.unescape(src.group(2)))
        if new is None:
            return tag
        if not new:
            alt = _ALT.search(tag)
            return html.escape(html.unescape(alt.group(2))) if alt else ""
        return tag[: src.start(2)] + html.escape(new, quote=True) + tag[src.end(2) :]

    def link(m):
        href = html.unescape(m.group(3))
        if not urlsplit(href).path.lower().endswith(IMAGE_SUFFIXES):
            return m.group(0)
        new = resolve_link(href)
        if not new:
            return m.group(0)
        return m.group(1) + m.group(2) + html.escape(new, quote=True) + m.group(2)

    return _HREF.sub(link, _IMG.sub(image, value))


def plain(value):
    """A headline or name: markup dropped, entities decoded, every other character kept."""
    value = value or ""
    return _plain_short(value) if len(value) <= 500 else _plain(value)


@functools.lru_cache(maxsize=4096)  # a story's headline is asked for thrice, a tag's often
def _plain_short(value):
    return _plain(value)


def _plain(value):
    value = text.strip_control(value)
    if "<" in value:
        value = strip_tags(value)
    return _SPACES.sub(" ", html.unescape(value)).strip()


_SPACES = re.compile(r"\s+")


_BLANK_LINES = re.compile(r"\n\s*\n")
_IMG_SRC_ANY = re.compile(
    r"""https?://(?:\[[0-9a-f:.]+\])?[^\s"'<>\]\[]+?\.(?:jpe?g|png|gif|webp)\b"""
    r"""|/wp-content/uploads/[^\s"'<>\]\[]+""",
    re.I,
)


_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S | re.I)


def collapse_blank_lines(value):
    """Runs of blank lines between blocks made one newline; code (<pre>) keeps its own."""
    parts = _PRE.split(value)
    return "".join(p if i % 2 else _BLANK_LINES.sub("\n", p) for i, p in enumerate(parts))
