"""Generic ratings: one vote per voter per rated object, with an exact running score."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MAX_SCORE = 100  # the widest range any rated field may declare


class Score(models.Model):
    """The denormalised total of one rated field of one object."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    # the rated field ("rating"): a model may have several
    field = models.CharField(_("rated field"), max_length=32, default="rating", db_column="key")
    count = models.PositiveIntegerField(_("votes"), default=0)
    total = models.PositiveBigIntegerField(_("sum of scores"), default=0)
    # The part of count and total brought from another site (an import): no Vote rows
    # stand behind it, so recompute adds it to what the votes say.
    imported_count = models.PositiveIntegerField(_("imported votes"), default=0)
    imported_total = models.PositiveBigIntegerField(_("imported sum of scores"), default=0)
    # Incremented with every change, under the row lock: orders cached copies (ratings.cache).
    revision = models.PositiveBigIntegerField(_("revision"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    content_object = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"], name="score_unique_per_object"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("count")) | Q(count=0), name="score_total_consistent"
            ),
        ]

    def __str__(self):
        return f"{self.content_object or self.object_id}: {self.average:.2f} ({self.count})"

    @property
    def average(self):
        return self.total / self.count if self.count else 0.0


class Vote(models.Model):
    """One voter's score for one rated field of one object."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    # the rated field ("rating"): a model may have several
    field = models.CharField(_("rated field"), max_length=32, default="rating", db_column="key")
    score = models.PositiveSmallIntegerField(_("score"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    # NULL, not "", marks "no cookie id": the partial unique constraints below rely on it.
    cookie_id = models.CharField(  # noqa: DJ001
        _("anonymous voter"),
        db_column="voter_key",
        max_length=64,
        null=True,
        blank=True,
        help_text=_("The random id in the reader's signed cookie."),
    )
    address_hash = models.CharField(  # noqa: DJ001
        _("address hash"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("A keyed hash of the client address, never the address itself."),
    )
    created_at = models.DateTimeField(_("cast"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    content_object = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "user"],
                condition=Q(user__isnull=False),
                name="vote_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "cookie_id"],
                condition=Q(cookie_id__isnull=False),
                name="vote_once_per_anonymous_voter",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=MAX_SCORE), name="vote_score_in_range"
            ),
        ]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "field", "address_hash", "created_at"],
                name="vote_address_window_idx",
            ),
        ]

    def __str__(self):
        return f"{self.score} ({self.cookie_id or self.user_id or '-'})"
