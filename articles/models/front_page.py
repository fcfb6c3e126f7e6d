"""The front page: the editors' picks and the breaking-news banner."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.stories import Article, clean_text


class FrontPagePickQuerySet(models.QuerySet):
    def shown(self):
        """The picks of stories readers may see now, in the editors' order, with their section."""
        return (
            self.filter(article__in=Article.objects.published())
            .select_related("article__section")
            .defer("article__body", "article__search_document", "article__search_vector")
        )


class FrontPagePick(models.Model):
    """A story the editors put on the front page: the first is the main story."""

    article = models.OneToOneField(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="front_page_pick"
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_("The lowest is the main story; the next ones are the top stories."),
    )

    objects = FrontPagePickQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("front-page story")
        verbose_name_plural = _("front page")

    def __str__(self):
        return str(self.article)


class BreakingNewsQuerySet(models.QuerySet):
    def schedule(self, now):
        """(the banner to show now or None, the next time that changes or None); one query."""
        fields = ["text", "starts_at", "expires_at", "article__title", "article__slug"]
        linked_story_out = Q(article__isnull=True) | Q(article__status=Article.Status.PUBLISHED)
        banners = list(
            self.filter(linked_story_out, expires_at__gt=now)
            .select_related("article")
            .only(*fields, "article__published_at")
            .order_by("starts_at", "id")[:20]
        )
        live = [b for b in banners if b.starts_at <= now and b.shows_from <= now]
        current = live[-1] if live else None
        return current, _next_change(banners, current, now)


def _next_change(banners, current, now):
    """When the banner shown changes next: a banner or its story starts, the current ends."""
    starts = [time for b in banners for time in (b.starts_at, b.shows_from)]
    changes = [time for time in starts if time > now]
    if current:
        changes.append(current.expires_at)
    return min(changes, default=None)


class BreakingNews(models.Model):
    """A site-wide banner, linking to a story (a live page too) or text alone, until it expires."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Optional: a story or live page the banner links to."),
    )
    text = models.CharField(
        _("banner text"),
        max_length=200,
        blank=True,
        help_text=_(
            "Shown in the banner; the story's headline when empty. Required without a story."
        ),
    )
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("expires"), help_text=_("The banner disappears from every page by itself at this time.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = BreakingNewsQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("breaking-news banner")
        verbose_name_plural = _("breaking-news banners")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("starts_at")),
                name="breaking_expires_after_start",
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=False) | ~Q(text=""),
                name="breaking_links_or_says",
            ),
        ]

    def __str__(self):
        return self.text or self.article.title

    def save(self, *args, **kwargs):
        clean_text(self, "text")
        super().save(*args, **kwargs)

    def clean(self):
        if self.expires_at and self.expires_at <= timezone.now() and self._state.adding:
            raise ValidationError(
                {"expires_at": _("Give the banner an expiry time in the future.")}
            )
        if self.starts_at and self.expires_at and self.expires_at <= self.starts_at:
            raise ValidationError({"expires_at": _("The banner must expire after it starts.")})
        if not self.article_id and not self.text.strip():
            raise ValidationError({"text": _("A banner without a story needs its text.")})
        if self.article_id and self.article.status != Article.Status.PUBLISHED:
            raise ValidationError({"article": _("The banner can link only to a published story.")})

    @property
    def shows_from(self):
        """When readers may see it: its start, or its story's publish time if that is later."""
        if self.article_id is None:
            return self.starts_at
        return max(self.starts_at, self.article.published_at)
