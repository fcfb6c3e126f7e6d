"""Several editors posting to one live page at once: every entry kept, each its own revision."""

import threading

import pytest
from django.db import connection

from live import services
from live.models import LiveCoverage, LiveEntry
from tests.conftest import require_postgres
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_editors_posting_at_once_lose_nothing():
    require_postgres()
    coverage = services.open_coverage(article=ArticleFactory())
    editors = [EditorFactory() for _ in range(6)]
    start = threading.Barrier(len(editors))
    failures = []

    def desk(user):
        try:
            start.wait()
            for n in range(5):
                services.post_entry(coverage=coverage, user=user, body=f"{user.pk}: запис {n}")
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(user,)) for user in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    revisions = sorted(LiveEntry.objects.values_list("revision", flat=True))
    assert revisions == list(range(1, 31))
    assert LiveCoverage.objects.get().revision == 30
