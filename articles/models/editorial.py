"""Editorial rows: drafts of changes to published stories and held uploads."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.stories import Article


class StoryDraft(models.Model):
    """Changes to a published story kept aside, unseen by readers, until an editor publishes them.

    It holds the story form as it was sent (field name → list of values, Other news picks
    and notices included), so that opening, previewing and publishing it go through the
    same form, rules and save as any edit (articles.editorial.drafts).
    """

    article = models.OneToOneField(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="pending_draft"
    )
    data = models.JSONField(_("form data"), default=dict)
    based_on_version = models.PositiveIntegerField(
        _("based on version"), help_text=_("The story's version the changes were made to.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("draft of changes")
        verbose_name_plural = _("drafts of changes")

    def __str__(self):
        return str(self.article)


class HeldUpload(models.Model):
    """An image chosen in the story form, kept on the server until the form is saved.

    A form sent back with errors, or saved as a draft of changes, offers it again by its
    key instead of asking for the file once more (articles.editorial.uploads).
    """

    key = models.CharField(max_length=64, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to="held/%Y/%m/", max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    held_at = models.DateTimeField(_("chosen"), default=timezone.now, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    draft = models.ForeignKey(
        StoryDraft,
        verbose_name=_("draft of changes"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="uploads",
    )

    class Meta:
        verbose_name = _("image waiting to be saved")
        verbose_name_plural = _("images waiting to be saved")

    def __str__(self):
        return self.name
