#!/usr/bin/env python
"""How whole real WordPress exports arrive: per export, the exit status of import_wordpress,
per public post the share of its words found on its new page, and whether every old
address the export implies leads to the right new page.

Each export is imported into an emptied database (DATABASE_URL), without images, and
every published post's page is read back through the test client. A post's words are
those WordPress shows: its text without markup, comments or the tags of shortcodes
(a shortcode's own content counts). Prints one line an export, and the posts under 97%.

Then every old address is asked for through the test client, as a reader's browser
would, following redirects (at most three): each public post's and page's <link>, its
/?p=ID or /?page_id=ID and its _wp_old_slug addresses, and the archive of each category
(under its parents, and alone), tag and author of a public post, all under the old
site's own path (a subfolder install's too). An address passes when it ends, with a 200,
on the right new page: the post's story, the page's flat page, the section or tag of the
category's name, the tag of the tag's name, the author of the author's name (the archive
address from the login as WordPress makes it, not as the importer does). Prints the
counts an export, and the failing addresses; one the import reported it cannot redirect
(a post whose old address is one of our own pages) is counted apart.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/wordpress_exports.py FILE…
"""

import html
import io
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# the test settings: plain http and static files without a manifest, as the test client needs
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a line for each page read back is noise here

import django  # noqa: E402

django.setup()

from django.contrib.flatpages.models import FlatPage  # noqa: E402
from django.contrib.redirects.models import Redirect  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles import editions  # noqa: E402
from articles.models import Article, Author, Section  # noqa: E402
from imports.wordpress import reader  # noqa: E402
from imports.wordpress.content import plain  # noqa: E402

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
    full = Path(tempfile.gettempdir()) / f"wordpress-report-{os.getpid()}.txt"
    try:
        call_command(
            "import_wordpress",
            str(path),
            stdout=out,
            stderr=err,
            skip_renditions=True,
            skip_related=True,
            full_report=str(full),
        )
        status = "exit 0"
    except CommandError as exc:
        written = Article.objects.count() + FlatPage.objects.count() + Redirect.objects.count()
        return f"{path.name}: error {exc} ({written} rows written)", None, None
    except Exception as exc:  # noqa: BLE001 - a traceback is what this looks for
        return f"{path.name}: TRACEBACK {type(exc).__name__}: {exc}", None, None
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
    report = full.read_text(encoding="utf-8")  # the report with every post named
    full.unlink()
    return line, under, report


# Old addresses


def wp_nicename(login):
    """WordPress's user_nicename of a login: sanitize_user(login, strict) and then
    sanitize_title, as wp_insert_user makes it ("harry@example.com" → "harryexample-com")."""
    value = unicodedata.normalize("NFKD", login).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9 _.@-]", "", value, flags=re.I).strip()[:50].lower()
    value = value.replace(".", "-")
    value = re.sub(r"[^a-z0-9 _-]", "", value)
    value = re.sub(r"\s+", "-", value)
    return re.sub(r"-+", "-", value).strip("-")


def old_path(link):
    """The path and query of an old address, as a browser asks for it ("" for the home
    page or what is no web address)."""
    parts = urlsplit((link or "").strip())
    if parts.scheme not in ("", "http", "https") or not parts.path.startswith("/"):
        return ""
    path = re.sub("/{2,}", "/", parts.path) + (f"?{parts.query}" if parts.query else "")
    return "" if path == "/" else path


class Addresses:
    """The old addresses an export implies, each with the new page it should lead to."""

    def __init__(self, path):
        found = reader.scan([path])
        found.attachments.close()
        self.scan = found
        self.base = urlsplit(found.site).path.rstrip("/")
        self.wanted = {}  # old address -> (kind, new path or None when its target is missing)
        self.reported = set()  # addresses the import said it cannot redirect
        self.categories, self.tags, self.authors = {}, {}, {}
        self.old_slugs = {}  # old address of a post's _wp_old_slug -> its new page

    def read(self, path, report):
        seen = set()
        for item in reader.read_export(path):
            if item.post_type not in ("post", "page") or item.post_id in seen:
                continue
            seen.add(item.post_id)  # listed again: WordPress's importer skips it too
            if item.status != "publish" or item.password.strip():
                continue
            if item.post_type == "post":
                self.post(item, report)
            else:
                self.page(item)
        for address, target in self.old_slugs.items():
            self.want(address, "post", target)
        self.archives()

    def post(self, item, report):
        story = Article.objects.filter(wordpress__wordpress_id=item.post_id).first()
        public = story is not None and story.is_public
        target = story.get_absolute_url() if public else None
        self.want(f"{self.base}/?p={item.post_id}", "post", target)
        link = old_path(item.link)
        if link and f"{link}" in report:  # reported: one of our own pages answers there
            self.reported.add(link)
        elif link:
            self.want(link, "post", target)
            head = link.split("?")[0].rstrip("/").rpartition("/")[0]
            for old in item.meta.get("_wp_old_slug", []):
                if old.strip() and "/" not in old:
                    # WordPress follows an old slug only where nothing is now
                    self.old_slugs.setdefault(f"{head}/{old.strip()}/", target)
        if not public:
            return  # a post not out (scheduled): WordPress's archives do not list it either
        edition = story.edition
        # a term is the header's of its slug, whatever name the post repeats
        for domain, nicename, name in item.terms:
            if domain in ("", "category") and nicename:
                known = self.scan.categories.get(nicename)
                self._note(self.categories, nicename, known[0] if known else name, edition)
            elif domain in ("post_tag", "tag") and nicename:
                self._note(self.tags, nicename, self.scan.tags.get(nicename) or name, edition)
            elif domain == "author":
                self._note(
                    self.authors,
                    nicename.removeprefix("cap-") or wp_nicename(name),
                    self.scan.guests.get(nicename) or self.scan.authors.get(name) or name,
                    edition,
                )
        if not any(domain == "author" for domain, _n, _name in item.terms) and item.creator:
            creator = item.creator.strip()
            # a login WordPress could have made (a stray ">admin" is no user of the site)
            if creator in self.scan.authors or re.fullmatch(r"[\w .@-]+", creator, re.A):
                name = self.scan.authors.get(creator) or creator
                self._note(self.authors, wp_nicename(creator), name, edition)

    def _note(self, found, slug, name, edition):
        """Note an archive (`found`: slug -> (name, editions of its public posts))."""
        found.setdefault(slug, (name, set()))[1].add(edition)

    def page(self, item):
        page = FlatPage.objects.filter(wordpress__wordpress_id=item.post_id).first()
        target = page.url if page is not None else None
        self.want(f"{self.base}/?page_id={item.post_id}", "page", target)
        if link := old_path(item.link):
            # a page and a post at one address: WordPress shows the page
            self.wanted[link] = ("page", target)

    def archives(self):
        """Each archive's page is in the edition of its posts (all in English: /en/…)."""
        for nicename, (name, eds) in self.categories.items():
            with translation.override(_edition(eds)):
                target = _section_or_tag(plain(name))
            self.want(f"{self.base}/category/{self._category_path(nicename)}/", "category", target)
            self.want(f"{self.base}/category/{nicename}/", "category", target)
        for slug, (name, eds) in self.tags.items():
            tag = Tag.objects.filter(name=plain(name)).first()
            with translation.override(_edition(eds)):
                self.want(f"{self.base}/tag/{slug}/", "tag", _tag_url(tag) if tag else None)
        for slug, (name, eds) in self.authors.items():
            author = Author.objects.filter(name=plain(name)).first()
            with translation.override(_edition(eds)):
                target = author.get_absolute_url() if author else None
            self.want(f"{self.base}/author/{slug}/", "author", target)

    def _category_path(self, nicename):
        chain, current = [], nicename
        while current and len(chain) < 20:
            chain.append(current)
            current = self.scan.categories.get(current, ("", ""))[1]
        return "/".join(reversed(chain))

    def want(self, address, kind, target):
        self.wanted.setdefault(address, (kind, target))


def _edition(eds):
    main = editions.main()
    return main if main in eds else sorted(eds)[0]


def _section_or_tag(name):
    """The section of that name when it has a public story, else the tag."""
    section = Section.objects.filter(name=name).first()
    public = Article.objects.filter(
        section=section, status=Article.Status.PUBLISHED, published_at__lte=timezone.now()
    )
    if section is not None and public.exists():
        return section.get_absolute_url()
    tag = Tag.objects.filter(name=name).first()
    return _tag_url(tag) if tag else None


def _tag_url(tag):
    return reverse("articles:tag", kwargs={"slug": tag.slug})


def check_addresses(path, report):
    """(counts by kind, failing [(address, why)], reported) of the export's old addresses."""
    addresses = Addresses(path)
    addresses.read(path, report)
    client, counts, failing = Client(), Counter(), []
    for address, (kind, target) in addresses.wanted.items():
        counts[kind] += 1
        why = _why_not(client, address, target)
        if why:
            failing.append((kind, address, why))
    return counts, failing, len(addresses.reported)


def _why_not(client, address, target):
    """Why `address` does not lead to `target` ("" when it does)."""
    if target is None:
        return "nothing to lead to: its post, page, section, tag or author was not imported"
    current, hops = quote(address, safe="/?=&%:@-._~!$'()*+,;"), 0
    while True:
        response = client.get(current)
        if response.status_code not in (301, 302, 307, 308):
            break
        hops += 1
        if hops > 3:
            return "more than three redirects"
        current = urlsplit(response["Location"])._replace(scheme="", netloc="").geturl()
    landed = unquote(urlsplit(current).path)
    if response.status_code != 200:
        return f"{response.status_code} at {landed}"
    if landed != unquote(target):
        return f"leads to {landed}, not {unquote(target)}"
    return ""


def main():
    from imports.wordpress.content import REGISTERED_SHORTCODES

    for name in sys.argv[1:]:
        line, under, report = measure(Path(name), REGISTERED_SHORTCODES)
        print(line, flush=True)
        for share, post_id, total, lost in sorted(under or [])[:8]:
            print(f"    post {post_id}: {share:.1%} of {total} words; lost: {lost}", flush=True)
        if report is None:
            continue
        counts, failing, reported = check_addresses(Path(name), report)
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        print(
            f"    old addresses: {sum(counts.values())} checked ({kinds}), {len(failing)} "
            f"failing, {reported} reported by the import as not redirected",
            flush=True,
        )
        for kind, address, why in failing[:12]:
            print(f"        {kind} {address}: {why}", flush=True)


if __name__ == "__main__":
    main()
