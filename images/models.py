"""The picture library: each image once, with what readers and editors need to know of it."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from images.validation import validate_image

# Bump when the renditions' sizes or encoding change: every image is made again.
RENDITIONS_VERSION = 1


class ImageQuerySet(models.QuerySet):
    def with_hash(self, content_hash):
        return self.filter(content_hash=content_hash)

    def search(self, query):
        """Pictures whose alt text, caption, credit or source has every word of `query` in
        any of its forms ("Києва" finds "Київ"), newest first."""
        from articles.search import query_terms

        condition = Q()
        for term in query_terms(query):
            alternatives = Q()
            for lemma in term:
                alternatives |= Q(search_document__contains=f" {lemma} ")
            condition &= alternatives
        return self.filter(condition) if condition else self

    def used(self):
        """Pictures some story shows: as its lead image or in its text."""
        return self.filter(Q(lead_of__isnull=False) | Q(text_uses__isnull=False)).distinct()

    def unused(self):
        return self.filter(lead_of__isnull=True, text_uses__isnull=True)

    def missing_renditions(self):
        """Images whose renditions for their current file and focal point are not made."""
        return self.exclude(renditions_key=models.F("wanted_key"))


class Image(models.Model):
    file = models.ImageField(_("file"), upload_to="library/%Y/%m/", validators=[validate_image])
    alt = models.CharField(
        _("description (alt text)"),
        max_length=300,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(
        _("credit"), max_length=200, blank=True, help_text=_("The photographer or agency.")
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the picture came from: an agency, an address, a reader."),
    )
    licence = models.CharField(
        _("licence"), max_length=200, blank=True, help_text=_("e.g. CC BY 4.0, agency contract.")
    )
    focal_x = models.FloatField(_("focal point, across"), default=0.5)
    focal_y = models.FloatField(_("focal point, down"), default=0.5)
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    file_size = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    content_hash = models.CharField(max_length=64, db_index=True, editable=False, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True, db_index=True)
    # what renditions should exist (file and focal point) and which were made
    wanted_key = models.CharField(max_length=16, editable=False, default="")
    renditions_key = models.CharField(max_length=16, editable=False, default="")
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    # the words of its texts in dictionary form, as stories' (articles.text.search_document)
    search_document = models.TextField(editable=False, blank=True, default="")

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_inside",
            ),
        ]

    def __str__(self):
        return self.caption or self.alt or self.file.name

    def save(self, *args, **kwargs):
        from articles.text import search_document  # the one lemmatiser of the project

        self.wanted_key = self.renditions_key_for()
        self.search_document = search_document(self.alt, self.caption, self.credit, self.source)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "wanted_key", "search_document"}
        super().save(*args, **kwargs)

    def renditions_key_for(self):
        """A short key of what the renditions depend on: the file, the focal point, the sizes."""
        basis = f"{self.content_hash or self.file.name}|{self.focal_x:.3f}|{self.focal_y:.3f}"
        basis += f"|{RENDITIONS_VERSION}"
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def stories_shown_in(self):
        """The stories showing this picture (lead image or text), newest first."""
        from articles.models import Article  # the stories use the library, not the other way

        shown = Q(picture=self) | Q(pictures_in_text=self)
        stories = Article.objects.filter(shown).distinct().only("pk", "title")
        return stories.order_by("-published_at")

    @property
    def ready(self):
        return bool(self.wanted_key) and self.renditions_key == self.wanted_key
