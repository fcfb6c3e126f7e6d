"""The report of an import, for an editor."""

import re
import textwrap
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

# where an example names its post: "#12 Title: …" (or "post 12: …", the ratings')
_POST = re.compile(r"(?:#|post )(\d+)\b")
WIDTH = 100  # of the wrapped line that names every post of a kind of loss

# The report


@dataclass
class Report:
    """What an import did, for an editor: counts, and what was skipped or changed and why,
    every example kept (each names its post)."""

    counts: Counter = field(default_factory=Counter)
    notes: dict = field(default_factory=lambda: defaultdict(list))
    # the importing thread and the writing one both note what they do
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note(self, reason, example=""):
        with self.lock:
            self.counts[reason] += 1
            if example:
                self.notes[reason].append(example)

    def add(self, reason, count):
        with self.lock:
            self.counts[reason] += count

    def lines(self, examples=None):
        """The report's lines. With `examples`, a kind of loss shows that many examples in
        full and then names every post it touched (ids, wrapped); None shows every one."""
        c = self.counts
        out = [
            f"Stories: {c['story new']} new, {c['story updated']} updated, "
            f"{c['story unchanged']} unchanged "
            f"({c['published']} published, {c['scheduled']} scheduled, {c['drafts']} drafts).",
            f"Pages: {c['page new']} new, {c['page updated']} updated, "
            f"{c['page unchanged']} unchanged.",
            f"Sections: {c['sections']} new. Tags: {c['tags']} new. Authors: {c['authors']} new.",
            f"Images: {c['images copied']} copied, {c['images missing']} missing.",
            *self._examples("images missing", examples),
            f"Redirects: {c['redirects new']} new, {c['redirects updated']} updated.",
            f"Ratings brought from the old site: {c['ratings']} new or changed.",
        ]
        shown = {
            "story new",
            "story updated",
            "story unchanged",
            "published",
            "scheduled",
            "drafts",
            "page new",
            "page updated",
            "page unchanged",
            "sections",
            "tags",
            "authors",
            "images copied",
            "images missing",
            "redirects new",
            "redirects updated",
            "ratings",
        }
        for reason in sorted(set(c) - shown):
            out.append(f"{reason}: {c[reason]}")
            out.extend(self._examples(reason, examples))
        return out

    def _examples(self, reason, limit):
        examples = self.notes.get(reason, [])
        if limit is None or len(examples) <= limit:
            return [f"    {e}" for e in examples]
        count, names = _names(examples)
        every = textwrap.wrap(
            f"every one ({count}): " + ", ".join(names),
            width=WIDTH,
            initial_indent="    ",
            subsequent_indent="      ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        return [
            *(f"    {e}" for e in examples[:limit]),
            *every,
            "    (--full-report FILE says what each one lost)",
        ]


def _names(examples):
    """(how many, names) of the posts of `examples`: "#id", in order of id, a run of three
    ids or more as "#11–#20"; an example that names no post (an old address, a line of the
    file) as itself."""
    ids, others = set(), {}
    for example in examples:
        found = _POST.match(example)
        if found:
            ids.add(int(found.group(1)))
        else:
            others.setdefault(example, None)
    runs, ordered = [], sorted(ids)
    for pk in ordered:
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    named = []
    for a, b in runs:
        named += [f"#{a}–#{b}"] if b - a > 1 else [f"#{n}" for n in range(a, b + 1)]
    return len(ids) + len(others), named + list(others)
