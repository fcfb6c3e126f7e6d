#!/usr/bin/env python
"""How whole real WordPress exports arrive: per export, the exit status of import_wordpress
and, per public post, the share of its words found on its new page.

Each export is imported into an emptied database (DATABASE_URL), without images, and
every published post's page is read back through the test client. A post's words are
those WordPress shows: its text without markup, comments or the tags of shortcodes
(a shortcode's own content counts). Prints one line an export, and the posts under 97%.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/wordpress_exports.py FILE…
"""

import html
import io
import os
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# the test settings: plain http and static files without a manifest, as the test client needs
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a line for each page read back is noise here

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article  # noqa: E402
from imports.wordpress import reader  # noqa: E402

SHORTCODE_TAG = re.compile(r"\[/?[a-z][a-z0-9_-]*(?![\w-])[^\[\]]*\]", re.I)
WORD = re.compile(r"\w+")


def words(value):
    """The words a reader sees: no comments, scripts, styles or markup; web addresses (a
    video's, an embed's) are not words a reader reads, on either site."""
    value = re.sub(r"<!--.*?-->", " ", value, flags=re.S)
    value = value.replace("<![CDATA[", " ")  # in HTML a bogus comment: a browser hides it
    # a player's fallback text shows only where there is no player
    value = re.sub(r"<(script|style|audio|video)\b.*?</\1>", " ", value, flags=re.S | re.I)
    value = html.unescape(re.sub(r"<[^<>]*>", " ", value))
    value = re.sub(r"https?://\S+", " ", value)
    return Counter(w.lower() for w in WORD.findall(value))


def source_words(content, registered):
    content = SHORTCODE_TAG.sub(
        lambda m: " " if _name(m.group()) in registered else m.group(), content
    )
    return words(content)


def _name(tag):
    return re.match(r"\[/?([a-z][a-z0-9_-]*)", tag, re.I).group(1).lower()


def measure(path, registered):
    call_command("flush", interactive=False, verbosity=0)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_wordpress",
            str(path),
            stdout=out,
            stderr=err,
            skip_renditions=True,
            skip_related=True,
        )
        status = "exit 0"
    except CommandError as exc:
        return f"{path.name}: error {exc}", []
    except Exception as exc:  # noqa: BLE001 - a traceback is what this looks for
        return f"{path.name}: TRACEBACK {type(exc).__name__}: {exc}", []
    client, shares, seen = Client(), [], set()
    for item in reader.read_export(path):
        if item.post_type != "post" or item.status != "publish" or item.password.strip():
            continue
        if item.post_id in seen:
            continue  # listed again: WordPress's importer skips it too, ours reports it
        seen.add(item.post_id)
        story = Article.objects.filter(wordpress__wordpress_id=item.post_id).first()
        if story is None or not story.is_public:
            continue
        page = client.get(story.get_absolute_url()).content.decode()
        source = source_words(item.content, registered)
        found = words(page)
        total = sum(source.values())
        if total:
            kept = sum(min(n, found[w]) for w, n in source.items())
            lost = sorted(w for w, n in source.items() if found[w] < n)[:12]
            shares.append((kept / total, item.post_id, total, lost))
    worst = min((s[0] for s in shares), default=1)
    under = [s for s in shares if s[0] < 0.97]
    line = (
        f"{path.name}: {status}, {len(shares)} public posts, lowest {worst:.1%}, "
        f"{len(under)} under 97%"
    )
    return line, under


def main():
    from imports.wordpress.content import REGISTERED_SHORTCODES

    for name in sys.argv[1:]:
        line, under = measure(Path(name), REGISTERED_SHORTCODES)
        print(line, flush=True)
        for share, post_id, total, lost in sorted(under)[:8]:
            print(f"    post {post_id}: {share:.1%} of {total} words; lost: {lost}", flush=True)


if __name__ == "__main__":
    main()
