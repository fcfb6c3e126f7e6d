from django.conf import settings
from django.core.management.base import BaseCommand

from articles.social_card import write_card


class Command(BaseCommand):
    help = "Draw the default social card (static/img/social-card.png) from SITE_NAME."

    def add_arguments(self, parser):
        parser.add_argument("--tagline", default="Новини України та світу")

    def handle(self, *args, tagline, **options):
        path = write_card(settings.BASE_DIR / "static", settings.SITE_NAME, tagline)
        self.stdout.write(self.style.SUCCESS(f"Social card written: {path}"))
