"""Інші новини computed ahead: the terms that weigh what stories share, the index of each
story's strongest terms, the neighbours stored for each story and the editors' steers."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models.stories import Article


class Term(models.Model):
    """A word (in dictionary form) or a tag, and how many published stories use it.

    The counts weigh what stories share for Інші новини (articles.similarity): a word
    few stories use tells more than one every story uses. The row with the empty text
    counts every story. Kept as stories are saved; `refresh_related` recounts them.
    """

    text = models.CharField(max_length=100, unique=True)
    stories = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self):
        return self.text


class StoryTerms(models.Model):
    """What a story was last indexed with for Інші новини: its terms, and whether it counts."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="indexed_terms"
    )
    # the ids of every term of the story, counted in Term.stories while `counted`
    term_ids = models.JSONField(default=list)
    counted = models.BooleanField(default=False)
    fingerprint = models.CharField(max_length=64, blank=True)
    # the story's updated_at when it was indexed: an older one means a change not seen yet
    story_updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("indexed story")
        verbose_name_plural = _("indexed stories")

    def __str__(self):
        return str(self.article_id)


class StoryTerm(models.Model):
    """One of a published story's most telling terms, with its weight: the inverted index
    that finds a story's candidates for Інші новини without comparing it with every other."""

    pk = models.CompositePrimaryKey("article", "term")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()
    published_at = models.DateTimeField()  # the story's, to read only a term's recent stories

    class Meta:
        verbose_name = _("indexed word")
        verbose_name_plural = _("indexed words")
        indexes = [
            models.Index(
                fields=["term", "-published_at"],
                include=["article", "weight"],
                name="storyterm_term_time_idx",
            )
        ]

    def __str__(self):
        return f"{self.article_id}: {self.term_id}"


class Neighbour(models.Model):
    """A story shown in another's Інші новини after the editor's picks, and why.

    Computed when a story is saved (articles.neighbours), so the page only reads them.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="neighbours")
    story = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    pinned = models.BooleanField(default=False)
    # {"words": [...], "tags": [...], "section": bool}: what the two share
    reasons = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("neighbour")
        verbose_name_plural = _("neighbours")
        constraints = [
            models.UniqueConstraint(fields=["article", "story"], name="neighbour_once"),
            models.CheckConstraint(
                condition=~Q(story=models.F("article")), name="neighbour_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.article_id} → {self.story_id}"


class NeighbourChoice(models.Model):
    """An editor's steer of a story's Інші новини: always show a story, or never."""

    class Kind(models.TextChoices):
        PIN = "pin", _("Always show")
        EXCLUDE = "exclude", _("Never show")

    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="neighbour_choices"
    )
    story = models.ForeignKey(
        Article, verbose_name=_("other story"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("choice"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("Other news choice")
        verbose_name_plural = _("Other news choices")
        constraints = [
            models.UniqueConstraint(fields=["article", "story"], name="neighbour_choice_once"),
            models.CheckConstraint(
                condition=~Q(story=models.F("article")), name="neighbour_choice_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.story_id}"

    def clean(self):
        if self.story_id and self.story_id == self.article_id:
            raise ValidationError({"story": _("A story cannot be its own other news.")})
