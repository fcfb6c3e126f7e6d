"""Forget who cast old anonymous votes; the totals stay exact."""

from django.core.management.base import BaseCommand, CommandError

from ratings import services

MAX_DAYS = 36_500  # a hundred years: older than any vote


class Command(BaseCommand):
    help = "Drop address hashes and cookie ids of anonymous votes older than N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help="Anonymise anonymous votes cast more than DAYS days ago (at least 1); "
            "the scores do not change.",
        )

    def handle(self, *args, older_than, **options):
        if not 1 <= older_than <= MAX_DAYS:
            raise CommandError(f"--older-than must be from 1 to {MAX_DAYS} days.")
        count = services.anonymise(older_than_days=older_than)
        self.stdout.write(self.style.SUCCESS(f"Anonymised {count} vote(s)."))
