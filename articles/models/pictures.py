"""Which library pictures a story's text shows (kept by articles.services on every save)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PictureInText(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="picture_uses"
    )
    # a picture a text shows cannot be deleted from the library: the text would break
    image = models.ForeignKey("images.Image", on_delete=models.PROTECT, related_name="text_uses")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["article", "position"]
        verbose_name = _("picture in a text")
        verbose_name_plural = _("pictures in texts")
        constraints = [
            models.UniqueConstraint(fields=["article", "image"], name="picture_once_per_text"),
        ]

    def __str__(self):
        return f"{self.article_id}: {self.image_id}"
