"""Warm caches for stories whose time has come; safe to run from cron, and twice."""

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.test import Client
from django.utils import timezone

from articles.cache import bump_content_version
from articles.models import Article

MARK_KEY = "articles:published-through"


class Command(BaseCommand):
    help = (
        "Stories appear by themselves when their time comes; this starts a new content "
        "version for them and warms the home page and their pages in the cache."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, change nothing.")

    def handle(self, *args, dry_run, **options):
        now = timezone.now()
        since = cache.get(MARK_KEY) or (now - timezone.timedelta(hours=1))
        due = list(
            Article.objects.published(now)
            .filter(published_at__gt=since)
            .order_by("published_at")
            .only("slug", "title", "published_at")
        )
        for article in due:
            self.stdout.write(f"due: {article.published_at:%Y-%m-%d %H:%M} {article.title}")
        if dry_run:
            self.stdout.write(f"Dry run: {len(due)} story(ies) due; nothing changed.")
            return
        if due:
            bump_content_version()
        client = Client(HTTP_HOST="localhost")
        warmed = 0
        for path in ["/", "/en/", *(a.get_absolute_url() for a in due)]:
            if client.get(path).status_code == 200:
                warmed += 1
        cache.set(MARK_KEY, now, None)
        self.stdout.write(self.style.SUCCESS(f"{len(due)} newly due; {warmed} page(s) warmed."))
