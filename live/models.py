"""A live page: a story with a coverage record and its entries, each a row of its own.

Entries are separate rows, so several editors post to one page at once with nothing to
merge. Every change of an entry (posted, edited, published, taken down) raises the
coverage's `revision` under its row lock and stamps the entry with it: "the entries since
revision N" is then one indexed query, and the number a reader's browser polls with.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import text
from articles.models import Article, Author, Notice, clean_text

REMOVED_KEPT = 100  # entries taken down that a poller is still told about


class LiveCoverageQuerySet(models.QuerySet):
    def running(self):
        return self.filter(ended_at__isnull=True)

    def public(self):
        """Coverage of stories readers may see now."""
        return self.filter(article__in=Article.objects.published())


class LiveCoverage(models.Model):
    """What makes a story a live page: when coverage started and ended, and its revision."""

    article = models.OneToOneField(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="live"
    )
    started_at = models.DateTimeField(_("coverage started"), default=timezone.now)
    ended_at = models.DateTimeField(
        _("coverage ended"),
        null=True,
        blank=True,
        help_text=_("Set by “Close the coverage”: readers' pages stop asking for new entries."),
    )
    authors_publish = models.BooleanField(
        _("Authors publish without review"),
        default=False,
        help_text=_(
            "When ticked, an entry by an Author appears at once; otherwise it waits for an "
            "editor to publish it."
        ),
    )
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    # [[revision, entry id], …]: the last REMOVED_KEPT entries taken off the page
    removed = models.JSONField(default=list, blank=True, editable=False)

    objects = LiveCoverageQuerySet.as_manager()

    class Meta:
        verbose_name = _("live page")
        verbose_name_plural = _("live pages")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="live_ends_after_start",
            )
        ]

    def __str__(self):
        return str(self.article)

    def get_absolute_url(self):
        return self.article.get_absolute_url()

    @property
    def is_running(self):
        return self.ended_at is None

    def removed_since(self, revision):
        """Ids of entries taken down after `revision`."""
        return [pk for at, pk in self.removed if at > revision]


class LiveEntryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def in_order(self, oldest_first=False):
        if oldest_first:
            return self.order_by("posted_at", "id")
        return self.order_by("-posted_at", "-id")

    def for_page(self):
        """What an entry on the page needs, in one query (its picture and byline joined)."""
        return self.select_related("picture", "author")


class LiveEntry(models.Model):
    """One timestamped update of a live page."""

    coverage = models.ForeignKey(
        LiveCoverage, verbose_name=_("live page"), on_delete=models.CASCADE, related_name="entries"
    )
    posted_at = models.DateTimeField(_("time"), default=timezone.now)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    body = models.TextField(
        _("text"),
        help_text=_("Paragraphs separated by new lines; links and emphasis as in a story."),
    )
    picture = models.ForeignKey(
        "images.Image",
        verbose_name=_("picture from the library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="live_entries",
    )
    key_event = models.BooleanField(
        _("key event"), default=False, help_text=_("Pinned at the top of the page.")
    )
    is_published = models.BooleanField(_("published"), default=True)
    author = models.ForeignKey(
        Author,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_entries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    notices = models.ManyToManyField(
        Notice,
        verbose_name=_("corrections"),
        blank=True,
        related_name="live_entries",
        editable=False,
    )

    objects = LiveEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("live entry")
        verbose_name_plural = _("live entries")
        indexes = [
            models.Index(fields=["coverage", "-posted_at", "-id"], name="live_entry_time_idx"),
            models.Index(fields=["coverage", "revision"], name="live_entry_revision_idx"),
        ]

    def __str__(self):
        return self.headline or text.make_teaser(text.html_to_text(self.body), 80)

    def get_absolute_url(self):
        """The entry's permanent link: opens its live page at the entry, wherever it is."""
        return reverse("live:entry", kwargs={"pk": self.pk})

    def clean(self):
        clean_text(self, "headline")

    @property
    def anchor(self):
        return f"entry-{self.pk}"
