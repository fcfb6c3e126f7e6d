"""Warm caches for stories whose time has come; safe to run from cron, and twice."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import Client
from django.utils import timezone

from articles.delivery import edge
from articles.delivery.content_version import bump_content_version
from articles.models import Article, RunMark
from edge_cache.purge import purge

MARK = "publish_scheduled"  # the RunMark of the time the last run reached
WARM_AT_MOST = 20  # newest due stories whose pages are warmed; the rest warm on first read


class Command(BaseCommand):
    help = (
        "Stories appear by themselves when their time comes; this starts a new content "
        "version for the newly due ones, purges the HTTP caches in front for them and "
        f"warms the home page and the pages of the {WARM_AT_MOST} newest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, change nothing.")

    def handle(self, *args, dry_run, **options):
        now = timezone.now()
        mark = RunMark.objects.filter(name=MARK).values_list("reached", flat=True).first()
        since = mark or (now - timezone.timedelta(hours=1))
        due = list(
            Article.objects.published(now)
            .filter(published_at__gt=since)
            .order_by("-published_at")
            .only("pk", "slug", "title", "published_at", "section_id")
        )
        if options["verbosity"] > 1:
            for article in due:
                self.stdout.write(f"due: {article.published_at:%Y-%m-%d %H:%M} {article.title}")
        if dry_run:
            stories = "story" if len(due) == 1 else "stories"
            self.stdout.write(f"Dry run: {len(due)} {stories} due; nothing changed.")
            return
        if due:
            bump_content_version()
            keys = [edge.HOME, edge.FEEDS, edge.NOTFOUND]
            keys += [edge.story_key(a.pk) for a in due]
            keys += [edge.section_list_key(a.section_id) for a in due]
            purge(keys)
        warmed = self.warm(["/", "/en/", *(a.get_absolute_url() for a in due[:WARM_AT_MOST])])
        with transaction.atomic():  # never back: a slower run that started earlier loses
            RunMark.objects.get_or_create(name=MARK, defaults={"reached": now})
            RunMark.objects.filter(name=MARK, reached__lt=now).update(reached=now)
        self.stdout.write(self.style.SUCCESS(f"{len(due)} newly due; {warmed} page(s) warmed."))

    def warm(self, paths):
        """Request pages as a reader of SITE_URL would, so they are stored for readers."""
        site = urlsplit(settings.SITE_URL)
        client = Client(HTTP_HOST=site.netloc, secure=site.scheme == "https")
        return sum(client.get(path).status_code == 200 for path in paths)
