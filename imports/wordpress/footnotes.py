"""Gutenberg footnotes: their texts live in the post's `footnotes` meta (JSON), the text
holds numbered references to them and a footnotes block where the list is shown. Here the
references become numbers linking to their notes, and the block the numbered list."""

import html
import json
import re

from articles.text import FOOTNOTES_MAX

# a reference in the text: <sup data-fn="id" class="fn"><a href="#id" id="id-link">1</a></sup>
# (what it holds is read a few hundred characters at most: thousands of references that are
# never closed are still read in linear time)
_REFERENCE = re.compile(
    r"""<sup\b[^<>]*?\bdata-fn\s*=\s*(["'])([^"'<>]*)\1[^<>]*>(.{0,300}?)</sup>""", re.S | re.I
)


def read_notes(raw):
    """{id: (number, text)} of the post's footnotes meta in its order; {} when there are
    none or the value is not the JSON list WordPress writes."""
    try:
        notes = json.loads(raw or "[]")
    except ValueError:
        return {}
    if not isinstance(notes, list):
        return {}
    found = {}
    for note in notes:
        if len(found) >= FOOTNOTES_MAX:
            break
        if isinstance(note, dict) and isinstance(note.get("id"), str):
            content = note.get("content")
            found.setdefault(
                note["id"], (len(found) + 1, content if isinstance(content, str) else "")
            )
    return found


def link_references(value, notes):
    """The text with each reference to a note made `<sup id="fnref-N"><a href="#fn-N">N</a>`;
    a reference to a note the meta lacks keeps its number, unlinked."""

    def reference(m):
        note = notes.get(html.unescape(m.group(2)))
        if note is None:
            return f"<sup>{re.sub(r'<[^<>]*>', '', m.group(3))}</sup>"
        number = note[0]
        return f'<sup id="fnref-{number}"><a href="#fn-{number}">{number}</a></sup>'

    return _REFERENCE.sub(reference, value)


def notes_list(notes):
    """The footnotes block: the numbered notes, each linking back to its reference."""
    items = "".join(
        f'<li id="fn-{number}">{text} <a href="#fnref-{number}">↩︎</a></li>'
        for number, text in notes.values()
    )
    return f"<ol>{items}</ol>"
