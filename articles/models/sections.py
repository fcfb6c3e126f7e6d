"""Sections and authors: what a story belongs to and who wrote it."""

from functools import partial

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.addresses import slug_address
from articles.images import validate_image
from articles.models.stories import Article, clean_text, kept_address
from articles.slugs import unique_slug


class SectionQuerySet(models.QuerySet):
    def with_public_stories(self, at=None, *, edition=None):
        """Sections with at least one story readers can see now (of `edition`, if given).

        A section made for an embargoed story (by an editor or an import) stays out of
        the menu, the sitemap and reach until that story is public: its name must not give
        the story away.
        """
        stories = Article.objects.published(at)
        if edition is not None:
            stories = stories.in_edition(edition)
        return self.filter(Exists(stories.filter(section=OuterRef("pk"))))

    def in_editions(self, codes, at=None):
        """Sections with a public story in any of the editions `codes`, each annotated
        `in_<code>`: whether it has one in that edition (one query for every menu)."""
        marks = {
            f"in_{code}": Exists(
                Article.objects.published(at).in_edition(code).filter(section=OuterRef("pk"))
            )
            for code in codes
        }
        any_edition = Q()
        for name in marks:
            any_edition |= Q(**{name: True})
        return self.annotate(**marks).filter(any_edition)


class Section(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(
        _("name in English"),
        max_length=100,
        blank=True,
        help_text=_("Shown in the English edition; the Ukrainian name when empty."),
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=False)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Sections are listed in this order in the menu.")
    )
    colour = models.CharField(
        _("colour"),
        max_length=7,
        blank=True,
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #0b3d91 (# and six digits)."))
        ],
        help_text=_("Optional. Marks the section in the menu and on its stories, e.g. #b00020."),
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.clean()
        if not self.slug:
            self.slug = unique_slug(Section, self.name, fallback="section", exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_address("articles:section", self.slug)

    def clean(self):
        clean_text(self, "name", "name_en", "description")


class Author(models.Model):
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    bio = models.TextField(
        _("short biography"), blank=True, help_text=_("One or two sentences, shown with the story.")
    )
    photo = models.ImageField(
        _("photo"),
        upload_to="authors/%Y/",
        blank=True,
        validators=[validate_image],
        help_text=_("A portrait; shown as a small square beside the byline."),
    )
    photo_thumbnail = models.CharField(max_length=300, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="byline",
        help_text=_("The staff account that writes under this byline: its stories are theirs."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.clean()
        if not self.slug:
            self.slug = unique_slug(Author, self.name, fallback="author", exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The author's page in the edition being served."""
        build = partial(slug_address, "articles:author", self.slug)
        return kept_address(self, (self.slug, get_language()), build)

    def clean(self):
        clean_text(self, "name", "bio")
