"""Import stories from JSON Lines or JSON array files: all or nothing, idempotent by slug."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import neighbours
from imports import jsonl as importer
from imports import pictures, translations


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
        parser.add_argument("--media-dir", help="The folder that records' image paths are under.")
        parser.add_argument(
            "--allow-private-addresses",
            action="store_true",
            help="Fetch image addresses (and the bodies' pictures) on private or loopback "
            "networks too.",
        )

    def handle(self, *args, files, dry_run, media_dir=None, **options):
        pairs, errors = _read(files)
        records = _validate(files, pairs, errors)
        loaded, in_bodies = {}, {}
        if not errors:
            allow_private = options["allow_private_addresses"]
            loaded, problems = pictures.load_all(
                records, media_dir=media_dir, allow_private=allow_private
            )
            errors.extend(problems)
            in_bodies, problems = pictures.load_bodies(records, allow_private=allow_private)
            errors.extend(problems)
        if errors:
            self.fail(errors)
        show = options["verbosity"] > 0 and len(records) >= 500
        with tqdm(total=len(records), disable=not show, unit="story", file=self.stdout) as bar:
            try:
                result = importer.import_articles(
                    records=records,
                    progress=bar,
                    dry_run=dry_run,
                    pictures=loaded,
                    body_pictures=in_bodies,
                )
            except importer.InvalidRecords as exc:
                self.fail(exc.errors)
        if not dry_run:
            self.neighbours([record.slug for record in records], show)
        self.report(result, dry_run)

    def fail(self, errors):
        for error in errors:
            self.stderr.write(self.style.ERROR(error))
        raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.")

    def report(self, result, dry_run):
        prefix = "Dry run: would have " if dry_run else ""
        if result.new_sections:
            made = "would be created" if dry_run else "created, at the end of the menu"
            names = ", ".join(result.new_sections)
            self.stdout.write(self.style.WARNING(f"New sections {made}: {names}."))
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )

    def neighbours(self, slugs, show):
        """Інші новини of the stories the import created or changed, newest first."""
        stale = neighbours.stale_stories().filter(slug__in=slugs).order_by("-published_at")
        ids = list(stale.values_list("pk", flat=True))
        for pk in tqdm(ids, disable=not show, unit="story", file=self.stdout):
            neighbours.refresh_story(article_id=pk)


def _read(files):
    """(path, [(line, value)]) of each file, and what could not be read or parsed."""
    pairs, errors = [], []
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                content = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot read: {exc}")
            continue
        file_pairs, file_errors = importer.parse_records(content)
        pairs.append((path, file_pairs))
        errors.extend(f"{path}: {e}" if len(files) > 1 else e for e in file_errors)
    return pairs, errors


def _validate(files, pairs, errors):
    """The records of every file; their problems added to `errors` as 'line N: …'."""
    records, seen = [], {}
    for path, file_pairs in pairs:
        where = f"{path}: " if len(files) > 1 else ""
        try:
            file_records = importer.validate(file_pairs, check_related=False)
        except importer.InvalidRecords as exc:
            errors.extend(where + e for e in exc.errors)
            file_records = exc.records
        for record in file_records:
            if record.slug in seen and seen[record.slug] != path:
                also = f"slug {record.slug!r} is also in {seen[record.slug]}"
                errors.append(f"{where}line {record.line}: slug: {also}")
            seen.setdefault(record.slug, path)
        records.extend(file_records)
    # related slugs may point forward, even into another file of the same run
    errors.extend(importer.related_errors(records))
    errors.extend(translations.errors(records))
    return records
