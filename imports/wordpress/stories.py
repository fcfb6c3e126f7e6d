"""Writing a batch of planned posts: the stories, their bylines, tags, tallies and old
addresses, in a few statements (the plans come from importer.Importer.plan)."""

from django.contrib.contenttypes.models import ContentType
from taggit.models import TaggedItem

from articles import services
from articles.models import Article, Author, Section, SlugRedirect, WordPressItem
from articles.slugs import unique_slug
from imports.names import named, named_all, tag_for
from imports.wordpress import renditions
from imports.wordpress.rows import BATCH, insert_objects, insert_rows
from ratings import services as ratings
from ratings.models import Score

NAME_MAX = 100  # sections and tags
# the fields an export sets, compared with the story's to know whether it changed
COMPARED = [
    "title",
    "body",
    "teaser",
    "status",
    "published_at",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "section_id",
]
# what a changed story takes from the export's version of it
TAKEN = [*COMPARED, "lead_image_width", "lead_image_height", "excerpt", "search_document"]
UPDATED = [
    *(name.removesuffix("_id") for name in TAKEN),
    "lead_image_renditions",
    "updated_at",
    "slug",
    "version",
]


class BatchWriter:
    """Writes the batches the importer plans (from the writing thread, rows.Writer)."""

    def __init__(self, *, report, now, redirects, flush_redirects, old_slugs):
        self.report = report
        self.now = now
        self.redirects = redirects  # old path -> new path, shared with the importer
        self.flush_redirects = flush_redirects
        self.old_slugs = old_slugs  # new tags and authors get their WordPress slugs
        self.linked = set()  # old paths that are a post's own address, not an old slug's
        self.sections, self.authors, self.tags = {}, {}, {}
        self.article_type = ContentType.objects.get_for_model(Article)

    def write(self, plans):
        """Create and update the batch's stories, their relations, scores and redirects."""
        if not plans:
            return
        self._assign_slugs(plans)
        self._name_all(plans)
        old_tallies = self._imported_tallies(plans)
        created, changed = [], []
        for plan in plans:
            existing = plan["existing"]
            article = existing.article if existing and existing.article_id else None
            plan["created"] = article is None
            if article is None:
                created.append(self._new_story(plan))
            elif self._update_story(plan, article, old_tallies.get(article.pk, (0, 0))):
                changed.append(article)
            self.count_status(plan["article"])
        self._save_stories(created, changed)
        self._write_relations(plans)
        self._write_items(plans)
        self._write_tallies(plans)
        self._note_redirects(plans)

    def _name_all(self, plans):
        """Every section, author and tag of the batch, found or made in a few queries."""
        named_all(Section, [p["section"][:NAME_MAX] for p in plans], self.sections)
        authors, tags, wanted_authors, wanted_tags = [], [], {}, {}
        for p in plans:
            authors.extend(p["authors"])
            tags.extend(p["tags"])
            wanted_authors.update(p["author_slugs"])
            wanted_tags.update(p["tag_slugs"])
        self.old_slugs.authors(authors, wanted_authors, self.authors)
        self.old_slugs.tags(tags, wanted_tags, self.tags)
        for plan in plans:
            plan["section_obj"] = named(Section, plan["section"][:NAME_MAX], self.sections)
            plan["author_objs"] = [named(Author, name, self.authors) for name in plan["authors"]]

    def _new_story(self, plan):
        article = Article(slug=plan["slug"], section=plan["section_obj"], **plan["fields"])
        article.lead_image_renditions = {}  # made after the run commits (missing_renditions)
        article.prepare(body_sanitized=True)
        # an imported story was last changed when it was published
        article.updated_at = article.published_at
        plan["article"] = article
        self.report.note("story new")
        return article

    def _update_story(self, plan, article, old_tally):
        """Bring an existing story up to the export's version; True when it changed."""
        candidate = Article(slug=article.slug, section=plan["section_obj"], **plan["fields"])
        renditions.as_left(article, candidate)  # compared as the library stage left it
        candidate.prepare(body_sanitized=True)
        moved = plan["slug"] != article.slug
        if moved:
            old_slug, article.slug = article.slug, plan["slug"]
            services.record_old_slug(article=article, old_slug=old_slug)
        differs = _take_changes(article, candidate)
        plan["relations_changed"] = self._relations_differ(article, plan)
        changed = differs or moved or plan["relations_changed"]
        if changed:
            article.updated_at = self.now
            # an admin form opened before this import is out of date: its save is refused
            # instead of undoing the old site's correction
            article.version += 1
        rated = (plan["tally"] or (0, 0)) != old_tally
        self.report.note("story updated" if changed or rated else "story unchanged")
        plan["article"] = article
        return changed

    def _save_stories(self, created, changed):
        insert_objects(Article, created, keep={"updated_at"})
        Article.objects.bulk_update(changed, UPDATED, batch_size=BATCH)

    def count_status(self, article):
        """Count the story as published, scheduled or a draft in the report."""
        if article.status == Article.Status.DRAFT:
            self.report.note("drafts")
        elif article.published_at > self.now:
            self.report.note("scheduled")
        else:
            self.report.note("published")

    def _imported_tallies(self, plans):
        """{story id: (count, total)} the old site's tally the batch's existing stories have."""
        ids = [p["existing"].article_id for p in plans if p["existing"]]
        ids = [pk for pk in ids if pk]
        if not ids:
            return {}
        rows = Score.objects.filter(
            content_type=self.article_type, field="rating", object_id__in=ids
        ).values_list("object_id", "imported_count", "imported_total")
        return {pk: (count, total) for pk, count, total in rows}

    def _assign_slugs(self, plans):
        """Unique slugs for the batch's new stories (and for stories whose post_name changed)."""
        new = _needing_slugs(plans)
        bases = {p["slug"] for p in new}
        taken = set(Article.objects.filter(slug__in=bases).values_list("slug", flat=True))
        taken |= set(
            SlugRedirect.objects.filter(old_slug__in=bases).values_list("old_slug", flat=True)
        )
        in_batch = set()

        def also_taken(base):
            redirects = SlugRedirect.objects.filter(old_slug__startswith=base)
            return {*redirects.values_list("old_slug", flat=True), *in_batch}

        for plan in new:
            slug = plan["slug"]
            if slug in taken or slug in in_batch:
                slug = unique_slug(Article, slug, fallback="story", taken=also_taken)
            in_batch.add(slug)
            plan["slug"] = slug

    def _relations_differ(self, article, plan):
        authors = [a.pk for a in article.authors.all()]
        tags = sorted(t.name for t in article.tags.all())
        return authors != [a.pk for a in plan["author_objs"]] or tags != sorted(plan["tags"])

    def _write_relations(self, plans):
        replaced = [p for p in plans if p.get("relations_changed")]
        for plan in replaced:
            plan["article"].authors.clear()
            plan["article"].tags.clear()
        todo = [p for p in plans if p["created"]] + replaced
        insert_rows(
            Article.authors.through,
            ["article", "author"],
            [(p["article"].pk, author.pk) for p in todo for author in p["author_objs"]],
            ignore_conflicts=True,
        )
        insert_rows(
            TaggedItem,
            ["content_type", "object_id", "tag"],
            [
                (self.article_type.pk, p["article"].pk, tag_for(name, self.tags).pk)
                for p in todo
                for name in p["tags"]
            ],
            ignore_conflicts=True,
        )

    def _write_items(self, plans):
        rows, updated = [], []
        for plan in plans:
            existing = plan["existing"]
            if existing is None:
                item = plan["item"]
                rows.append(
                    (
                        item.post_id,
                        plan["article"].pk,
                        plan["digest"],
                        plan["missing_media"],
                        self.now,
                    )
                )
            else:
                existing.article = plan["article"]
                existing.digest, existing.missing_media = plan["digest"], plan["missing_media"]
                updated.append(existing)
        insert_rows(
            WordPressItem,
            ["wordpress_id", "article", "digest", "missing_media", "imported_at"],
            rows,
        )
        WordPressItem.objects.bulk_update(
            updated, ["article", "digest", "missing_media", "imported_at"], batch_size=BATCH
        )

    def _write_tallies(self, plans):
        tallies = {}
        for plan in plans:
            if plan["tally"]:
                tallies[plan["article"].pk] = plan["tally"]
            elif not plan["created"]:
                tallies[plan["article"].pk] = (0, 0)  # the later export has no rating any more
        if tallies:
            new = [plan["article"].pk for plan in plans if plan["created"]]
            changed = ratings.import_tallies(
                model=Article, field="rating", tallies=tallies, unseen=new
            )
            self.report.add("ratings", changed)

    def _note_redirects(self, plans):
        """A post's own old addresses lead to it; an old slug's only where no post of the
        export is at that address now (WordPress follows an old slug only on a 404)."""
        for plan in plans:
            if plan["old_paths"] or plan["old_slug_paths"]:
                url = plan["article"].get_absolute_url()
                for path in plan["old_paths"]:
                    self.redirects[path] = url
                    self.linked.add(path)
                for path in plan["old_slug_paths"]:
                    if path not in self.linked:
                        self.redirects.setdefault(path, url)
        if len(self.redirects) >= BATCH:
            self.flush_redirects()


def _take_changes(article, candidate):
    """Copy the export's fields of `candidate` onto `article` when any differs (a new lead
    image drops the old one's renditions); True when they did."""
    if not any(getattr(article, n) != getattr(candidate, n) for n in COMPARED):
        return False
    old_image = article.lead_image.name if article.lead_image else ""
    for name in TAKEN:
        setattr(article, name, getattr(candidate, name))
    if (article.lead_image.name if article.lead_image else "") != old_image:
        article.lead_image_renditions = {}
    return True


def _needing_slugs(plans):
    """The plans whose slug must be made unique: new stories, and stories whose post_name
    changed; a story whose slug is still the post_name (or it with a number) keeps it."""
    new = [p for p in plans if not (p["existing"] and p["existing"].article_id)]
    for plan in plans:
        existing = plan["existing"]
        if existing and existing.article_id:
            current, base = existing.article.slug, plan["slug"]
            suffix = current.removeprefix(f"{base}-")
            if current == base or (suffix != current and suffix.isdecimal()):
                plan["slug"] = current
            else:
                new.append(plan)
    return new
