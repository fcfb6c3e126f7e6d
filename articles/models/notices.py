"""Corrections, updates and clarifications shown with a story."""

from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from articles.models.stories import Article, clean_text


class NoticeQuerySet(models.QuerySet):
    def public(self):
        """Notices of the stories readers may see now."""
        return self.filter(article__in=Article.objects.published())


class Notice(models.Model):
    """A dated correction, update or clarification shown with a published story."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        UPDATE = "update", _("Update")
        CLARIFICATION = "clarification", _("Clarification")

    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"), help_text=_("What was wrong or what is new, for readers."))
    noted_at = models.DateTimeField(_("date"), default=timezone.now)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-noted_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("corrections and updates")
        indexes = [models.Index(fields=["-noted_at", "-id"], name="notice_noted_idx")]

    def __str__(self):
        # the admin's history stores names untranslated: the notice's own words, no label
        return Truncator(" ".join(self.text.split())).chars(80)

    def save(self, *args, **kwargs):
        clean_text(self, "text")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#notice-{self.pk}"
