"""Stories, their old addresses, and the range of publish times (the sections and authors
they belong to are in articles.models.sections)."""

from datetime import UTC, datetime

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from articles import editions, text
from articles.addresses import slug_address
from articles.images import validate_image
from articles.slugs import unique_slug
from images.validation import validate_image as validate_library_image

# Publish times a story may have: every value in between can be shown, compared and
# converted between time zones without leaving the years Python and the database know.
EARLIEST_PUBLISH_TIME = datetime(1800, 1, 1, tzinfo=UTC)
LATEST_PUBLISH_TIME = datetime(3000, 1, 1, tzinfo=UTC)
PUBLISH_TIME_OUT_OF_RANGE = _("Choose a publish time from the year 1800 to 2999.")


def clean_text(instance, *names):
    """Drop control characters from text fields (feeds and sitemaps cannot carry them)."""
    for name in names:
        setattr(instance, name, text.strip_control(getattr(instance, name)).strip())


def validate_publish_time(value):
    if not EARLIEST_PUBLISH_TIME <= value < LATEST_PUBLISH_TIME:
        raise ValidationError(PUBLISH_TIME_OUT_OF_RANGE, code="out_of_range")


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """Stories a reader may see now: published, and their publish time has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def in_section(self, section):
        return self.filter(section=section)

    def for_listing(self):
        """What a list of story cards needs, in a fixed number of queries."""
        return self.select_related("section").defer("body", "search_document", "search_vector")

    def in_edition(self, edition=None):
        """Stories of one edition (articles.editions; the current request's by default)."""
        edition = edition or editions.current()
        if edition == editions.main():
            return self.exclude(language__in=editions.other_editions(edition))
        return self.filter(language=edition)

    def behind_originals(self):
        """Translations whose original was corrected or significantly updated since the
        translation was last brought up to date with it."""
        synced = Coalesce("translation_synced_at", "created_at")
        return self.filter(translation_of__isnull=False, translation_of__revised_at__gt=synced)


def kept_address(instance, asked, build):
    """The address `build()` makes for `instance`, kept on it while `asked` (what the
    address is made of: a slug, a language) stays the same. A story page asks for its
    story's address six times and an author's three (links, share links, JSON-LD), and
    each reverse() costs more than the rest of the link."""
    known = instance.__dict__.get("_address")
    if known is None or known[0] != asked:
        known = instance.__dict__["_address"] = (asked, build())
    return known[1]


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("Waiting for review")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("headline"), max_length=300)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=editions.language_choices,
        default="uk",
        help_text=_("The language the story is written in: it appears in that edition."),
    )
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text=_("The original story this one translates, if any."),
    )
    translation_synced_at = models.DateTimeField(
        _("brought up to date with the original"),
        null=True,
        blank=True,
        editable=False,
    )
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        help_text=_(
            "The story's address. Made from the headline when left empty; changing "
            "it later keeps the old address working."
        ),
    )
    section = models.ForeignKey(
        "articles.Section",
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="articles",
    )
    authors = models.ManyToManyField(
        "articles.Author", verbose_name=_("authors"), blank=True, related_name="articles"
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
    picture = models.ForeignKey(
        "images.Image",
        verbose_name=_("picture from the library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_of",
        help_text=_("The story's main picture, chosen from the library; or upload a new one."),
    )
    # the picture's file, size and renditions, copied here so that lists read no other table
    lead_image = models.ImageField(
        _("lead image"),
        upload_to="lead/%Y/%m/",
        blank=True,
        validators=[validate_library_image],
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    picture_in_text = models.BooleanField(
        _("picture taken from the text"),
        default=False,
        editable=False,
        help_text=_(
            "The story has no lead image of its own: lists, the social card and search "
            "engines show the first picture of its text."
        ),
    )
    pictures_in_text = models.ManyToManyField(
        "images.Image",
        verbose_name=_("pictures in the text"),
        through="articles.PictureInText",
        related_name="in_text_of",
        blank=True,
        editable=False,
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    lead_image_alt = models.CharField(
        _("image description (alt text)"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the picture shows, for readers who cannot see it. Required with an image."
        ),
    )
    lead_image_caption = models.CharField(_("caption"), max_length=300, blank=True)
    lead_image_credit = models.CharField(_("image credit"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publish time"),
        default=timezone.now,
        validators=[validate_publish_time],
        help_text=_("A time in the future schedules the story: it appears by itself then."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    revised_at = models.DateTimeField(
        _("significant update"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When readers were last told the story changed: a notice or an update."),
    )
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    seo_title = models.CharField(
        _("search title"),
        max_length=110,
        blank=True,
        help_text=_("Optional. The title for search engines and sharing; the headline when empty."),
    )
    meta_description = models.CharField(
        _("meta description"),
        max_length=300,
        blank=True,
        help_text=_(
            "Optional. The summary under the link in search results and shares; the teaser "
            "when empty."
        ),
    )
    social_image = models.ImageField(
        _("social image"),
        upload_to="social/%Y/%m/",
        blank=True,
        validators=[validate_image],
        help_text=_(
            "Optional. The picture for Facebook, X and messengers (1200×630 is best); the "
            "lead image when empty."
        ),
    )
    search_document = models.TextField(editable=False, blank=True, default="")
    # PostgreSQL: to_tsvector('simple', search_document), kept by a trigger (migration 0005)
    search_vector = SearchVectorField(null=True, editable=False)
    scores = GenericRelation("ratings.Score", related_query_name="article")

    objects = ArticleQuerySet.as_manager()

    TEXT_FIELDS = (
        "title",
        "source",
        "teaser",
        "lead_image_alt",
        "lead_image_caption",
        "lead_image_credit",
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        permissions = [
            ("publish_article", _("Can publish and schedule stories")),
            ("change_any_article", _("Can change every writer's stories")),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_pub_idx"),
            models.Index(
                fields=["section", "status", "-published_at", "-id"], name="article_section_idx"
            ),
            models.Index(
                fields=["language", "status", "-published_at", "-id"], name="article_language_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_at__gte=EARLIEST_PUBLISH_TIME)
                & Q(published_at__lt=LATEST_PUBLISH_TIME),
                name="article_publish_time_in_range",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"], name="article_one_translation_per_language"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.prepare()
        if not self.slug:
            self.slug = self.unique_slug(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "excerpt", "search_document", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The story's one address, in its own edition whatever page links to it."""
        edition = self.edition

        def build():
            return slug_address("articles:detail", self.slug, language=edition)

        return kept_address(self, (self.slug, edition), build)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # what was stored, so that articles.services can tell a changed slug or image
        instance.stored_slug = instance.__dict__.get("slug")
        loaded = instance.__dict__.get("lead_image", None)
        instance.stored_image = None if "lead_image" not in field_names else str(loaded or "")
        instance.stored_picture_id = instance.__dict__.get("picture_id")
        return instance

    def prepare(self, *, body_sanitized=False):
        """Clean the text and derive the excerpt and search document (also before bulk writes).

        `body_sanitized`: the body is already text.sanitize_html's output (an importer's).
        """
        clean_text(self, *self.TEXT_FIELDS)
        if not body_sanitized:
            self.body = text.sanitize_html(self.body)
        plain = text.sanitized_html_to_text(self.body)
        self.excerpt = text.make_teaser(self.teaser or plain)
        self.search_document = text.search_document(self.title, self.teaser, plain)

    def unique_slug(self, title):
        """A slug for `title` that no other story has, now or as an old address."""

        def old_addresses(base):
            redirects = SlugRedirect.objects.exclude(article_id=self.pk)
            return redirects.filter(old_slug__startswith=base).values_list("old_slug", flat=True)

        return unique_slug(
            Article, title, fallback="story", exclude_pk=self.pk, taken=old_addresses
        )

    def clean(self):
        clean_text(self, *self.TEXT_FIELDS)
        self.clean_translation()
        if self.lead_image and not self.picture_id and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": _("Describe the image for readers who cannot see it.")}
            )

    def clean_translation(self):
        """A translation translates an original (not another translation) into another
        language."""
        original = self.translation_of
        if original is None:
            return
        if original.pk == self.pk or original.translation_of_id is not None:
            raise ValidationError(
                {"translation_of": _("Choose the original story, not another translation.")}
            )
        if original.language == self.language:
            raise ValidationError(
                {"language": _("A translation is in another language than its original.")}
            )
        taken = Article.objects.filter(translation_of=original, language=self.language)
        if taken.exclude(pk=self.pk).exists():
            raise ValidationError(
                {"translation_of": _("That story already has a translation into this language.")}
            )

    @property
    def edition(self):
        """The edition the story appears in (articles.editions)."""
        return editions.edition_of(self.language)

    @property
    def text_direction(self):
        return editions.direction(self.language)

    @property
    def is_behind_original(self):
        """True for a translation whose original changed significantly since it was synced."""
        original = self.translation_of
        if original is None or original.revised_at is None:
            return False
        return original.revised_at > (self.translation_synced_at or self.created_at)

    @property
    def reading_minutes(self):
        """Minutes an average reader needs for the text (at least one)."""
        return text.reading_minutes(self.body)

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def share_title(self):
        return self.seo_title or self.title

    @property
    def share_description(self):
        return self.meta_description or self.excerpt

    @property
    def date_modified(self):
        """What readers are told is the last change: the latest notice or significant update."""
        return max(self.published_at, self.revised_at or self.published_at)

    @property
    def was_updated(self):
        return self.revised_at is not None and self.revised_at > self.published_at


class SlugRedirect(models.Model):
    """An old address of a story, answered with a permanent redirect."""

    old_slug = models.SlugField(_("old slug"), max_length=200, unique=True)
    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="old_slugs"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return self.old_slug
