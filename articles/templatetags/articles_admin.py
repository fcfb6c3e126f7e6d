"""The admin front page's editorial lists: what waits for review, drafts of changes, what is
scheduled."""

from django import template
from django.utils import timezone

from articles.editorial import workflow
from articles.models import Article, StoryDraft

register = template.Library()

QUEUE_SIZE = 20


@register.simple_tag(takes_context=True)
def editorial_queue(context):
    """For editors: the stories waiting for review (oldest first), the published stories with
    a draft of changes (oldest draft first) and the scheduled ones."""
    user = context["request"].user
    if not workflow.can_publish(user):
        return None
    review = Article.objects.filter(status=Article.Status.REVIEW).order_by("updated_at")
    scheduled = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).order_by("published_at")
    changes = StoryDraft.objects.select_related("article").order_by("saved_at")
    return {
        "drafts": list(changes.only("saved_at", "article__title")[:QUEUE_SIZE]),
        "drafts_count": changes.count(),
        "review": list(review.only("title", "updated_at")[:QUEUE_SIZE]),
        "review_count": review.count(),
        "scheduled": list(scheduled.only("title", "published_at")[:QUEUE_SIZE]),
        "scheduled_count": scheduled.count(),
    }
