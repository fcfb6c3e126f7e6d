"""Load demo news only when there are no stories yet (used by `make run`)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from articles.models import Article


class Command(BaseCommand):
    help = "Run seed_demo when the database has no stories."

    def handle(self, *args, **options):
        if Article.objects.exists():
            if options["verbosity"]:
                self.stdout.write("Stories exist; demo news not loaded.")
            return
        call_command("seed_demo", verbosity=options["verbosity"], stdout=self.stdout)
