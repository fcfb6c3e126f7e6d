"""Old archive addresses of a WordPress site: /category/…/, /tag/…/ and /author/…/.

Each leads to our section, tag or author page of the same name, in the edition its
public stories are in: an archive of English posts only to /en/section/…/ (the
Ukrainian edition's page of it would be empty, a 404), else the main edition's.
"""

from urllib.parse import unquote

from django.urls import reverse
from django.utils import translation
from taggit.models import Tag

from articles import editions
from articles.models import Author, Section


class Archives:
    """The categories, tags and authors the posts used, and the editions of the public ones."""

    def __init__(self, scan):
        self.scan = scan
        self.categories, self.tags, self.authors = {}, {}, {}  # old slug -> name
        self.editions = {}  # (kind, old slug) -> editions of its public stories
        self.sections = set()  # names of the sections that have a public story

    def note(self, categories, tags, authors, edition):
        """Note a post's [(old slug, name)] of each kind; `edition` None when it is not public.
        Its first category is its story's section."""
        if edition and categories:
            self.sections.add(categories[0][1])
        for kind, found, terms in (
            ("category", self.categories, categories),
            ("tag", self.tags, tags),
            ("author", self.authors, authors),
        ):
            for slug, name in terms:
                if slug:
                    found[slug] = name
                    if edition:
                        self.editions.setdefault((kind, slug), set()).add(edition)

    def redirects(self):
        """{old path: new path} of every archive whose page is here."""
        found = {}
        sections = {s.name: s for s in Section.objects.filter(name__in=self.categories.values())}
        names = {*self.categories.values(), *self.tags.values()}
        tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
        for nicename, name in self.categories.items():
            # the section when it has a public story; else the tag all its posts have
            in_section = name in sections and (name in self.sections or name not in tags)
            target = sections[name] if in_section else tags.get(name)
            if target is None:
                continue
            with translation.override(self._edition("category", nicename)):
                new_path = target.get_absolute_url() if in_section else tag_url(target)
            found[f"/category/{self._category_path(nicename)}/"] = new_path
            found.setdefault(f"/category/{unquote(nicename)}/", new_path)
        for slug, name in self.tags.items():
            if name in tags:
                with translation.override(self._edition("tag", slug)):
                    found[f"/tag/{unquote(slug)}/"] = tag_url(tags[name])
        authors = {a.name: a for a in Author.objects.filter(name__in=set(self.authors.values()))}
        for slug, name in self.authors.items():
            if name in authors:
                with translation.override(self._edition("author", slug)):
                    found[f"/author/{slug}/"] = authors[name].get_absolute_url()
        return found

    def _edition(self, kind, slug):
        """The main edition, unless the archive's public stories are all in others."""
        found = self.editions.get((kind, slug), set())
        main = editions.main()
        return main if not found or main in found else sorted(found)[0]

    def _category_path(self, nicename):
        """The old path of a category under its parents ("world/europe"), 20 levels at most."""
        chain, current, hops = [], nicename, 0
        while current and hops < 20:
            chain.append(unquote(current))
            current = self.scan.categories.get(current, ("", ""))[1]
            hops += 1
        return "/".join(reversed(chain))


def tag_url(tag):
    return reverse("articles:tag", kwargs={"slug": tag.slug})
