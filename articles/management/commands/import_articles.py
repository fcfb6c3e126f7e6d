"""Import stories from JSON Lines or JSON array files: all or nothing, idempotent by slug."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from articles import services


class Command(BaseCommand):
    help = (
        "Import stories from JSON Lines or JSON array files. A record whose slug exists "
        "updates that story. If any record is bad, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="JSON Lines (.jsonl) or JSON array files")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report, write nothing."
        )

    def handle(self, *args, files, dry_run, **options):
        verbosity = options["verbosity"]
        pairs, errors = [], []
        for path in files:
            try:
                with open(path, encoding="utf-8") as fh:
                    content = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(f"{path}: cannot read: {exc}")
                continue
            try:
                pairs.append((path, services.parse_records(content)))
            except services.ImportError_ as exc:
                errors.extend(f"{path}: {e}" if len(files) > 1 else e for e in exc.errors)
        records, seen = [], {}
        for path, file_pairs in pairs:
            where = f"{path}: " if len(files) > 1 else ""
            try:
                file_records = services.validate(file_pairs, check_related=False)
            except services.ImportError_ as exc:
                errors.extend(where + e for e in exc.errors)
                file_records = exc.records
            for record in file_records:
                if record.slug in seen and seen[record.slug] != path:
                    errors.append(f"{where}line {record.line}: slug: slug {record.slug!r} "
                                  f"is also in {seen[record.slug]}")  # fmt: skip
                seen.setdefault(record.slug, path)
            records.extend(file_records)
        # related slugs may point forward, even into another file of the same run
        errors.extend(services.related_errors(records))
        if errors:
            for error in errors:
                self.stderr.write(self.style.ERROR(error))
            raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.")
        show = verbosity > 0 and len(records) >= 500
        with tqdm(total=len(records), disable=not show, unit="story", file=self.stderr) as bar:
            with transaction.atomic():
                result = services.import_articles(records=records, progress=bar)
                if dry_run:
                    transaction.set_rollback(True)
        prefix = "Dry run: would have " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
