"""A form in a post as the words a reader could read in it, laid out as text.

A form here would send nothing (the old site's code answered it), so it is not brought;
what a reader read in it is: its text, legends and labels a line each, the choices of a
list as a list, a button's and a submit button's words, and a field's placeholder where
no label says the same. Read with one pass of a regex over the form's tags, in linear
time and without recursion, however the markup is nested or broken.
"""

import html
import re

# a tag (its name and attributes) or a run of text
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>|([^<]+|<)")
_ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SPACES = re.compile(r"\s+")
# what a reader never sees (its text is code, or only scripts show it)
_HIDDEN = {"script", "style", "template", "datalist", "noscript", "svg", "math", "object"}
# elements that start a line of their own
_BREAKS = {
    "br", "p", "div", "fieldset", "legend", "li", "ul", "ol", "dl", "dt", "dd", "table",
    "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "footer", "textarea",
    "blockquote", "hr", "figure", "figcaption", "address",
}  # fmt: skip
# markup a text keeps as it is (the sanitiser checks it later)
_INLINE = {
    "a", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "code", "q",
    "cite", "img", "small",
}  # fmt: skip
# controls a reader sees as boxes between words
_CONTROLS = {"input", "select", "textarea", "button", "output", "meter", "progress", "img"}
# a field whose value is a button's words
_BUTTON_TYPES = {"submit", "button", "reset"}

FORM_OPEN = re.compile(r"<form\b[^<>]*>", re.I)
FORM_CLOSE = re.compile(r"</form\s*>", re.I)


def _attrs(raw):
    return {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR.finditer(raw)
    }


class _Layout:
    """The form's words as paragraphs (a line each) and lists (a list's choices)."""

    def __init__(self):
        self.blocks, self.line = [], []
        self.choices = None  # the list's items while inside a <select>
        self.group = None  # the <optgroup>'s label and choices while inside one

    def text(self, value):
        if self.choices is not None:
            target = self.group[1] if self.group is not None else self.choices
            target.append(html.escape(value))  # an option's words
        else:
            self.line.append(html.escape(value))

    def markup(self, tag):
        if self.choices is None:
            self.line.append(tag)

    def words(self, value):
        """Words of an attribute (a placeholder, a button's value), spaced from the rest."""
        value = _SPACES.sub(" ", value).strip()
        if value and self.choices is None:
            self.line.append(f" {html.escape(value)} ")

    def knows(self, value):
        """True when the line so far already says `value` (a label and its placeholder)."""
        said = _SPACES.sub(" ", html.unescape("".join(self.line))).strip().lower()
        return _SPACES.sub(" ", value).strip().lower() in said

    def end_line(self):
        value = _SPACES.sub(" ", "".join(self.line)).strip()
        self.line = []
        if re.sub(r"<[^<>]*>", "", value).strip():
            self.blocks.append(f"<p>{value}</p>")

    def open_list(self):
        self.end_line()
        self.choices, self.group = [], None

    def choice(self):
        """A new <option>: its words start an item of their own."""
        if self.choices is not None:
            target = self.group[1] if self.group is not None else self.choices
            target.append("\n")

    def open_group(self, label):
        if self.choices is not None:
            self.close_group()
            self.group = (label, [])

    def close_group(self):
        if self.choices is not None and self.group is not None:
            label, items = self.group
            self.group = None
            inner = _items(items)
            if label.strip() or inner:
                nested = f"<ul>{inner}</ul>" if inner else ""
                self.choices.append(("group", f"<li>{html.escape(label.strip())}{nested}</li>"))

    def close_list(self):
        if self.choices is None:
            return
        self.close_group()
        items = _items(self.choices)
        self.choices = None
        if items:
            self.blocks.append(f"<ul>{items}</ul>")


def _items(pieces):
    """<li>s of an option list's pieces: words ("\n" starts the next choice) and groups."""
    out, words = [], []

    def flush():
        value = _SPACES.sub(" ", "".join(words)).strip()
        if value:
            out.append(f"<li>{value}</li>")
        words.clear()

    for piece in pieces:
        if piece == "\n":
            flush()
        elif isinstance(piece, tuple):
            flush()
            out.append(piece[1])
        else:
            words.append(piece)
    flush()
    return "".join(out)


def form_text(inner):
    """The HTML (paragraphs and lists) of the words a reader could read in a form whose
    markup between <form> and </form> is `inner` (without comments)."""
    layout, hidden = _Layout(), None
    for m in _TOKEN.finditer(inner):
        closing, name, raw = m.group(1), (m.group(2) or "").lower(), m.group(3) or ""
        if hidden is not None:  # inside a script or the like: only its end matters
            if closing and name == hidden:
                hidden = None
            continue
        if m.group(4) is not None:
            layout.text(html.unescape(m.group(4)))
        elif name:
            hidden = _tag(layout, closing, name, raw)
    layout.close_list()
    layout.end_line()
    return "\n\n" + "\n".join(layout.blocks) + "\n\n"


def _tag(layout, closing, name, raw):
    """Lay out one tag; the name of a hidden element it opens (whose text is skipped)."""
    if name in _HIDDEN:
        return None if closing or raw.rstrip().endswith("/") else name
    if name in _CONTROLS and not closing:
        _control(layout, name, _attrs(raw))  # on the line of its label
    if name == "select":
        layout.close_list() if closing else layout.open_list()
    elif name == "optgroup":
        layout.close_group() if closing else layout.open_group(_attrs(raw).get("label", ""))
    elif name == "option" and not closing:
        layout.choice()
    elif name in _BREAKS:
        layout.close_list()
        layout.end_line()
    elif name in _INLINE:
        layout.markup(f"<{closing}{name}{raw}>")
    return None


def _control(layout, name, attrs):
    """A field's words: a button's value, or a placeholder no label already says."""
    layout.line.append(" ")
    kind = attrs.get("type", "").lower()
    if name == "input" and kind == "hidden":
        return
    if name == "input" and kind in _BUTTON_TYPES:
        layout.words(attrs.get("value", ""))
    elif name == "input" and kind == "image":
        layout.words(attrs.get("alt", ""))
    placeholder = attrs.get("placeholder", "")
    if placeholder.strip() and not layout.knows(placeholder):
        layout.words(placeholder)
