"""The articles app's background work, on Django's tasks API (django-tasks).

refresh_neighbours is idempotent: it computes a story's Інші новини from what the story
and the index hold when it runs, so running it twice, or after a later save's run, leaves
the same lists. A database failure is tried again later, up to MAX_ATTEMPTS; a story
whose task was lost (a worker stopped with its queue) is found by `refresh_related`,
which computes every story changed since its neighbours were.
"""

import logging
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tasks import task

from articles import neighbours

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(seconds=10)  # doubled at each attempt
# ahead of the pictures' renditions in a shared queue: a story's lists take a tenth of a
# second to compute, a picture's renditions seconds
TASK_PRIORITY = 10


def refresh_after_commit(article_id):
    """Queue the refresh of a story's neighbours once the current transaction commits."""
    task = refresh_neighbours
    if task.get_backend().supports_priority:
        task = task.using(priority=TASK_PRIORITY)
    transaction.on_commit(lambda: task.enqueue(article_id))


@task()
def refresh_neighbours(article_id: int, attempt: int = 1) -> int:
    """Compute a story's neighbours and offer it to theirs; the number of lists changed."""
    try:
        return len(neighbours.refresh_story(article_id=article_id))
    except DatabaseError as exc:
        if attempt >= MAX_ATTEMPTS:
            log.error("story %s: neighbours failed %d times: %s", article_id, attempt, exc)
            raise
        log.warning("story %s: neighbours failed (attempt %d): %s", article_id, attempt, exc)
        later = refresh_neighbours
        if later.get_backend().supports_defer:
            later = later.using(run_after=timezone.now() + RETRY_AFTER * 2 ** (attempt - 1))
        later.enqueue(article_id, attempt + 1)
        raise
