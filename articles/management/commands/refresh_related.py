"""Recount the word weights of Інші новини and compute the neighbours that are missing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from articles import neighbours
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Recounts how many stories use each word and tag (the weights of Інші новини) and "
        "computes the neighbours of every story changed without them, newest first. Safe "
        "to run nightly from cron and while editors work; --since DAYS recomputes the "
        "stories of the last DAYS days with today's weights, --all the whole archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=int, metavar="DAYS", help="Also recompute these.")
        parser.add_argument("--all", action="store_true", help="Recompute every story.")
        parser.add_argument("--limit", type=int, help="At most this many stories.")
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")

    def handle(self, *args, since, limit, dry_run, **options):
        if since is not None and since < 0 or limit is not None and limit < 1:
            raise CommandError("--since takes 0 or more days, --limit 1 or more stories.")
        drifted = neighbours.recount_terms(dry_run=dry_run)
        stories = self.stories(options["all"], since)
        ids = list(stories.order_by("-published_at", "-id").values_list("pk", flat=True)[:limit])
        if dry_run:
            self.stdout.write(
                f"Dry run: {drifted} term count(s) would be corrected, "
                f"{len(ids)} story(ies) recomputed; nothing changed."
            )
            return
        progress = options["verbosity"] > 0 and len(ids) > 100
        for pk in tqdm(ids, disable=not progress, unit="story", file=self.stdout):
            neighbours.refresh_story(article_id=pk)
        self.stdout.write(
            self.style.SUCCESS(
                f"{drifted} term count(s) corrected; {len(ids)} story(ies) recomputed."
            )
        )

    def stories(self, every, since):
        if every:
            return Article.objects.all()
        stale = neighbours.stale_stories()
        if since is None:
            return stale
        recent = Article.objects.filter(
            published_at__gte=timezone.now() - timezone.timedelta(days=since)
        )
        return stale | recent
