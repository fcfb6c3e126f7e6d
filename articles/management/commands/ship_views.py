"""Count story views that Varnish answered, from its log, in batches."""

import select
import signal
import subprocess
import time

from django.core.management.base import BaseCommand, CommandError

from articles.view_beacon import LOG_FORMAT, LOG_QUERY, ship


def log_lines(process, seconds):
    """Lines of `process`'s output, and None after `seconds` without a batch sent."""
    flushed = time.monotonic()
    while True:
        ready, _, _ = select.select([process.stdout], [], [], seconds)
        if ready:
            line = process.stdout.readline()
            if not line:
                return
            yield line
        if time.monotonic() - flushed >= seconds:
            flushed = time.monotonic()
            yield None


def _stop(signum, frame):
    raise KeyboardInterrupt  # a service manager's SIGTERM: varnishncsa is stopped too


class Command(BaseCommand):
    help = (
        "Count the view beacons Varnish answered (deploy/varnish/default.vcl) from its log "
        "(varnishncsa), in batches of one Redis round trip each. Runs beside varnishd."
    )

    def add_arguments(self, parser):
        parser.add_argument("--varnish-name", "-n", help="varnishd's -n (its working directory)")
        parser.add_argument("--seconds", type=float, default=1.0, help="longest wait to count")
        parser.add_argument("--batch", type=int, default=1000, help="most views per round trip")

    def handle(self, *args, **options):
        command = ["varnishncsa", "-q", LOG_QUERY, "-F", LOG_FORMAT]
        if options["varnish_name"]:
            command += ["-n", options["varnish_name"]]
        signal.signal(signal.SIGTERM, _stop)
        try:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
        except OSError as exc:
            raise CommandError(f"varnishncsa could not be started: {exc}") from exc
        try:
            counted = ship(log_lines(process, options["seconds"]), batch=options["batch"])
        except KeyboardInterrupt:
            counted = None
        finally:
            process.terminate()
            process.wait()
        if process.returncode not in (0, -15) and counted is not None:
            raise CommandError(f"varnishncsa stopped (exit status {process.returncode})")
        if options["verbosity"] and counted is not None:
            self.stdout.write(self.style.SUCCESS(f"{counted} views counted"))
