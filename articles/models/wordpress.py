"""What the WordPress import remembers: items and images it brought in."""

from django.contrib.flatpages.models import FlatPage
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models.stories import Article


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
    # the library's picture of it, once the import put it there: the worker stores the
    # picture again without its metadata under another name, and `file` is then gone
    picture = models.ForeignKey(
        "images.Image",
        verbose_name=_("picture of the library"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("imported WordPress image")
        verbose_name_plural = _("imported WordPress images")

    def __str__(self):
        return self.source
