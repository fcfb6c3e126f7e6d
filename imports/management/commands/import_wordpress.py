"""Import a WordPress site from its export (WXR): stories, pages, images, ratings, old addresses."""

import contextlib
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import neighbours
from imports.wordpress import importer, reader, renditions

EXAMPLES = 10  # posts the printed report describes under a kind of loss (it names every one)


class Command(BaseCommand):
    help = (
        "Import WordPress exports (Tools → Export → All content): posts become stories, pages "
        "flat pages, WP-PostRatings tallies their scores, old addresses redirects. All or "
        "nothing; importing the same export again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="WordPress export files (.xml)")
        parser.add_argument(
            "--media-dir",
            help="A copy of the old site's wp-content/uploads folder, where images are read from.",
        )
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Download images missing from --media-dir from the old site instead.",
        )
        parser.add_argument(
            "--allow-private-addresses",
            action="store_true",
            help="Let --fetch-media download from private or loopback addresses (an old site "
            "on the same network); refused otherwise, since an export could name any address.",
        )
        parser.add_argument(
            "--copy-media",
            action="store_true",
            help="Copy every image from --media-dir into our storage; by default a checked "
            "file on the same file system is hard-linked instead (no bytes copied).",
        )
        parser.add_argument(
            "--skip-renditions",
            action="store_true",
            help="Commit and report without putting the lead images into the picture library "
            "(stories show the original image meanwhile); running the import again does it.",
        )
        parser.add_argument(
            "--skip-related",
            action="store_true",
            help="Commit and report without computing the stories' Інші новини; "
            "`manage.py refresh_related` computes them later.",
        )
        parser.add_argument(
            "--full-report",
            metavar="FILE",
            help="Also write the report to FILE with what each post lost, one line each (the "
            f"printed one says it for {EXAMPLES} posts a kind of loss and names the rest by id).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the full report, write nothing."
        )

    def handle(self, *args, files, media_dir, dry_run, full_report, **options):
        if media_dir and not Path(media_dir).is_dir():
            raise CommandError(f"--media-dir {media_dir}: no such folder.")
        show = options["verbosity"] > 0
        with _report_file(full_report) as full:
            report = self.import_files(files, media_dir, dry_run, options, show)
            if full is not None:
                full.write("\n".join(report.lines()) + "\n")
        if dry_run:
            self.stdout.write("Dry run: nothing was written. The import would do this:")
        for line in report.lines(EXAMPLES):
            self.stdout.write(line)
        if full_report:
            self.stdout.write(f"The report with every post named: {full_report}")
        if not dry_run:
            self.after_commit(options, show)
        done = "Dry run finished." if dry_run else "Import finished."
        self.stdout.write(self.style.SUCCESS(done))

    def import_files(self, files, media_dir, dry_run, options, show):
        """The import itself, all or nothing, with a progress bar; its report."""
        bars = []

        def scanned(result):
            bars.append(tqdm(total=result.items, disable=not show, unit="item", file=self.stderr))

        try:
            with _sigterm_stops():
                return importer.import_export(
                    paths=files,
                    media_dir=media_dir,
                    fetch_media=options["fetch_media"],
                    allow_private=options["allow_private_addresses"],
                    dry_run=dry_run,
                    link_media=not options["copy_media"],
                    progress=lambda n: bars[-1].update(n),
                    on_scanned=scanned,
                )
        except reader.ExportError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from None
        except KeyboardInterrupt:
            raise CommandError(
                "Stopped: nothing was imported (the import is all or nothing)."
            ) from None
        finally:
            for bar in bars:
                bar.close()

    def after_commit(self, options, show):
        """The renditions and Інші новини of what was imported, unless skipped."""
        if not options["skip_renditions"]:
            try:
                with _sigterm_stops():
                    self.renditions(show)
                    self.pictures_in_text(show)
            except KeyboardInterrupt:
                raise CommandError(
                    "Stopped while making renditions: the import is committed and the renditions "
                    "made so far are kept; running the import again makes the rest."
                ) from None
        if not options["skip_related"]:
            try:
                with _sigterm_stops():
                    self.neighbours(show)
            except KeyboardInterrupt:
                raise CommandError(
                    "Stopped while computing Інші новини: the import is committed; "
                    "`manage.py refresh_related` computes the rest."
                ) from None

    def neighbours(self, show):
        """After the commit: Інші новини of every story without them, newest first."""
        ids = list(
            neighbours.stale_stories().order_by("-published_at").values_list("pk", flat=True)
        )
        if not ids:
            return
        self.stdout.write(
            f"Computing Інші новини of {len(ids)} stories, newest first (an interrupted run "
            "keeps what it computed; `manage.py refresh_related` computes the rest)."
        )
        for pk in tqdm(ids, disable=not show, unit="story", file=self.stderr, desc="Інші новини"):
            neighbours.refresh_story(article_id=pk)

    def pictures_in_text(self, show):
        """After the commit: the pictures in the stories' texts into the library."""
        ids = renditions.stories_with_pictures_to_adopt()
        if not ids:
            return
        self.stdout.write(
            f"Putting the pictures in the text of {len(ids)} stories into the picture library, "
            "newest first (running the import again does any left)."
        )
        with tqdm(total=len(ids), disable=not show, unit="story", file=self.stderr) as bar:
            changed, problems = renditions.texts_into_library(ids, progress=bar.update)
        self.stdout.write(f"Pictures in the text: {changed} stories now show the library's.")
        for problem in problems[:20]:
            self.stdout.write(self.style.WARNING(f"  kept as it was: {problem}"))
        if len(problems) > 20:
            self.stdout.write(self.style.WARNING(f"  … and {len(problems) - 20} more"))

    def renditions(self, show):
        """After the commit: stories are live with their original images until these exist."""
        names = renditions.missing_pictures()
        if not names:
            return
        self.stdout.write(
            f"Imported and committed. Putting {len(names)} lead images into the picture "
            "library, newest stories first (an interrupted run keeps what it did; running the "
            "import again does the rest); the task workers make their renditions."
        )
        with tqdm(
            total=len(names), disable=not show, unit="image", file=self.stderr, desc="Renditions"
        ) as bar:
            made, failed = renditions.into_library(names, progress=bar.update)
        self.stdout.write(f"Renditions: {made} images into the library, queued.")
        if failed:
            self.stdout.write(
                self.style.WARNING(
                    f"Renditions not made for {failed} images that cannot be decoded to the end "
                    "(their stories show the original)."
                )
            )


@contextlib.contextmanager
def _report_file(path):
    """The full report's file, opened before the import so that a path it cannot write
    stops the command before anything is imported (and removed if the import fails); None
    without one."""
    if not path:
        yield None
        return
    try:
        fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CommandError(f"--full-report {path}: {exc.strerror or exc}") from None
    with fh:
        try:
            yield fh
        except BaseException:
            Path(path).unlink(missing_ok=True)  # no report of an import that did not happen
            raise


@contextlib.contextmanager
def _sigterm_stops():
    """SIGTERM (a stopped container, `kill`) stops the run as Ctrl-C does, so its cleanup
    runs: the transaction rolled back, the images it stored removed, its workers gone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
