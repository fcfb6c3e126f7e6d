"""The report of an import, for an editor."""

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

# The report


@dataclass
class Report:
    """What an import did, for an editor: counts, and what was skipped or changed and why."""

    counts: Counter = field(default_factory=Counter)
    notes: dict = field(default_factory=lambda: defaultdict(list))
    examples: int | None = 10  # kept a reason; None keeps them all (the full report)
    # the importing thread and the writing one both note what they do
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note(self, reason, example=""):
        with self.lock:
            self.counts[reason] += 1
            if example and (self.examples is None or len(self.notes[reason]) < self.examples):
                self.notes[reason].append(example)

    def add(self, reason, count):
        with self.lock:
            self.counts[reason] += count

    def lines(self, examples=None):
        """The report's lines, with at most `examples` examples a reason (None: all kept)."""
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
        examples = self.notes.get(reason, [])[:limit]
        more = self.counts[reason] - len(examples)
        return [f"    {e}" for e in examples] + (
            [f"    … and {more} more (--full-report FILE lists every one)"]
            if examples and more
            else []
        )
