from django.core.management.base import BaseCommand

from images.models import Image
from images.tasks import make_renditions


class Command(BaseCommand):
    help = (
        "Queue renditions for every picture that lacks them for its file and focal point "
        "(after a worker was stopped mid-task, a restore, or new rendition sizes). Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count them; queue nothing.")

    def handle(self, *args, dry_run=False, **options):
        missing = Image.objects.missing_renditions().values_list("pk", "wanted_key")
        count = 0
        for pk, key in missing.iterator(chunk_size=1000):
            count += 1
            if not dry_run:
                make_renditions.enqueue(pk, key)
        verb = "would be queued" if dry_run else "queued"
        self.stdout.write(self.style.SUCCESS(f"{count} pictures' renditions {verb}."))
