"""The admin front page's editorial lists: what waits for review, drafts of changes, what is
scheduled, and translations behind their originals."""

from django import template
from django.utils import timezone

from articles.editorial import workflow
from articles.models import Article, StoryDraft

register = template.Library()

QUEUE_SIZE = 20


@register.simple_tag(takes_context=True)
def editorial_queue(context):
    """For editors: the stories waiting for review (oldest first), the published stories with
    a draft of changes (oldest draft first), the scheduled ones, and the translations whose
    original was corrected or updated since (longest behind first)."""
    user = context["request"].user
    if not workflow.can_publish(user):
        return None
    review = Article.objects.filter(status=Article.Status.REVIEW).order_by("updated_at")
    scheduled = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).order_by("published_at")
    changes = StoryDraft.objects.select_related("article").order_by("saved_at")
    behind = Article.objects.behind_originals().select_related("translation_of")
    behind = behind.order_by("translation_of__revised_at").only(
        "title", "language", "translation_of__title", "translation_of__revised_at"
    )
    return {
        "behind": list(behind[:QUEUE_SIZE]),
        "behind_count": behind.count(),
        "drafts": list(changes.only("saved_at", "article__title")[:QUEUE_SIZE]),
        "drafts_count": changes.count(),
        "review": list(review.only("title", "updated_at")[:QUEUE_SIZE]),
        "review_count": review.count(),
        "scheduled": list(scheduled.only("title", "published_at")[:QUEUE_SIZE]),
        "scheduled_count": scheduled.count(),
    }
