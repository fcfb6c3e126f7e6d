"""A story's Other news links picked by the editors."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models.stories import Article, clean_text


class RelatedLink(models.Model):
    """An editor's pick for a story's Other news: another story or an outside address."""

    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="related_links"
    )
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

    def save(self, *args, **kwargs):
        clean_text(self, "title")
        super().save(*args, **kwargs)

    def clean(self):
        if bool(self.target_id) == bool(self.url):
            raise ValidationError(_("Pick either a story or an outside address."))
        if self.url and not self.title.strip():
            raise ValidationError({"title": _("Give the outside link a title.")})
        if self.target_id and self.target_id == self.article_id:
            raise ValidationError({"target": _("A story cannot link to itself.")})
