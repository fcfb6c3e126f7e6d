"""Stories, the sections and authors they belong to, and their related-news links."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.flatpages.models import FlatPage
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from articles import text
from articles.images import make_renditions, validate_image


class Section(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=False)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Sections are listed in this order in the menu.")
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = text.slugify_uk(self.name, 100) or "section"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    bio = models.TextField(_("short biography"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = text.slugify_uk(self.name, 150) or "author"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """Stories a reader may see now: published, and their publish time has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def in_section(self, section):
        return self.filter(section=section)

    def for_listing(self):
        """What a list of story cards needs, in a fixed number of queries."""
        return self.select_related("section").defer("body", "search_document")

    def for_detail(self):
        return self.select_related("section").prefetch_related("authors", "tags")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("headline"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        help_text=_("The story's address. Made from the headline when left empty; changing "
                    "it later keeps the old address working."),
    )  # fmt: skip
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="articles"
    )
    authors = models.ManyToManyField(
        Author, verbose_name=_("authors"), blank=True, related_name="articles"
    )
    tags = TaggableManager(_("tags"), blank=True, help_text=_("Comma separated."))
    source = models.CharField(
        _("source"),
        max_length=100,
        blank=True,
        help_text=_('The outlet the story retells, e.g. "FT" or "Bloomberg".'),
    )
    teaser = models.TextField(
        _("teaser"),
        blank=True,
        help_text=_("Optional. When empty, the opening of the text is used."),
    )
    body = ProseEditorField(
        _("text"),
        config={
            "extensions": {
                "Bold": True,
                "Italic": True,
                "Underline": True,
                "Strike": True,
                "Subscript": True,
                "Superscript": True,
                "Heading": {"levels": [2, 3, 4]},
                "BulletList": True,
                "OrderedList": True,
                "ListItem": True,
                "Blockquote": True,
                "HorizontalRule": True,
                "HardBreak": True,
                # imported stories keep their pictures when an editor changes them
                "Figure": True,
                "Caption": True,
                "Image": True,
                "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
            }
        },
        sanitize=text.sanitize_html,
    )
    excerpt = models.CharField(_("excerpt"), max_length=400, blank=True, editable=False)
    lead_image = models.ImageField(
        _("lead image"),
        upload_to="lead/%Y/%m/",
        blank=True,
        validators=[validate_image],
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    lead_image_alt = models.CharField(
        _("image description (alt text)"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it. Required with an "
                    "image."),
    )  # fmt: skip
    lead_image_caption = models.CharField(_("caption"), max_length=300, blank=True)
    lead_image_credit = models.CharField(_("image credit"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publish time"),
        default=timezone.now,
        help_text=_("A time in the future schedules the story: it appears by itself then."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_document = models.TextField(editable=False, blank=True, default="")
    scores = GenericRelation("ratings.Score", related_query_name="article")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_pub_idx"),
            models.Index(
                fields=["section", "status", "-published_at", "-id"], name="article_section_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.prepare()
        if not self.slug:
            self.slug = self._unique_slug(text.slugify_uk(self.title, 190) or "story")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "excerpt", "search_document", "updated_at"}
        old_slug = getattr(self, "_loaded_slug", None)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_slug and old_slug != self.slug:
                SlugRedirect.objects.filter(old_slug=self.slug).delete()
                SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": self})
        self._loaded_slug = self.slug
        image_name = self.lead_image.name if self.lead_image else ""
        loaded_image = getattr(self, "_loaded_image", "")
        if loaded_image is not None and image_name != loaded_image:
            self.lead_image_renditions = make_renditions(image_name) if image_name else {}
            Article.objects.filter(pk=self.pk).update(
                lead_image_renditions=self.lead_image_renditions
            )
            self._loaded_image = image_name

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_slug = instance.__dict__.get("slug")
        loaded = instance.__dict__.get("lead_image", None)
        instance._loaded_image = None if "lead_image" not in field_names else str(loaded or "")
        return instance

    def prepare(self):
        """Clean the text and derive the excerpt and search document (also before bulk writes)."""
        self.title = text.strip_control(self.title).strip()
        self.body = text.sanitize_html(self.body)
        plain = text.html_to_text(self.body)
        self.excerpt = text.make_teaser(self.teaser or plain)
        self.search_document = f" {text.lemmatise(f'{self.title} {self.teaser} {plain}')} "

    def _unique_slug(self, base):
        taken = set(
            Article.objects.filter(slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        ) | set(SlugRedirect.objects.filter(old_slug__startswith=base).exclude(
            article_id=self.pk).values_list("old_slug", flat=True))  # fmt: skip
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def clean(self):
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": _("Describe the image for readers who cannot see it.")}
            )

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    def related_news(self, limit=None, tag_ids=None):
        """Other news: editor-picked links first, in order, then filled automatically."""
        from articles.related import related_news

        return related_news(self, limit or settings.ARTICLES_RELATED_COUNT, tag_ids)


class RelatedLink(models.Model):
    """An editor's pick for a story's Other news: another story or an outside address."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    target = models.ForeignKey(
        Article,
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    url = models.URLField(_("outside address"), blank=True)
    title = models.CharField(
        _("title"), max_length=300, blank=True, help_text=_("Needed for an outside address.")
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("related link")
        verbose_name_plural = _("related links")
        constraints = [
            models.CheckConstraint(
                condition=(Q(target__isnull=False) & Q(url=""))
                | (Q(target__isnull=True) & ~Q(url="")),
                name="related_link_story_xor_url",
            ),
            models.CheckConstraint(
                condition=~Q(target=models.F("article")), name="related_link_not_self"
            ),
        ]

    def __str__(self):
        return self.title or (self.target.title if self.target_id else self.url)

    def clean(self):
        if bool(self.target_id) == bool(self.url):
            raise ValidationError(_("Pick either a story or an outside address."))
        if self.url and not self.title.strip():
            raise ValidationError({"title": _("Give the outside link a title.")})
        if self.target_id and self.target_id == self.article_id:
            raise ValidationError({"target": _("A story cannot link to itself.")})


class SlugRedirect(models.Model):
    """An old address of a story, answered with a permanent redirect."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return self.old_slug


class WordPressItem(models.Model):
    """A WordPress post or page this site imported, found again by its WordPress id."""

    wordpress_id = models.PositiveBigIntegerField(_("WordPress id"), unique=True)
    article = models.OneToOneField(
        Article,
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wordpress",
    )
    page = models.OneToOneField(
        FlatPage,
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wordpress",
    )
    # A digest of what the export said: an item the export has not changed is left alone,
    # so a re-import never undoes an editor's later work on it.
    digest = models.CharField(max_length=64)
    missing_media = models.BooleanField(
        default=False, help_text=_("Some of its images could not be had; tried again next time.")
    )
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        verbose_name = _("imported WordPress item")
        verbose_name_plural = _("imported WordPress items")

    def __str__(self):
        return f"WordPress #{self.wordpress_id}"


class WordPressImage(models.Model):
    """An image of the old site (its uploads path or address) and our stored copy of it."""

    source = models.CharField(_("WordPress address"), max_length=500, unique=True)
    file = models.CharField(_("stored file"), max_length=300)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("imported WordPress image")
        verbose_name_plural = _("imported WordPress images")

    def __str__(self):
        return self.source
