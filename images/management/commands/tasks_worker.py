from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run a worker for the background tasks (renditions) of whichever queue TASKS_BACKEND "
        "names: the database's (db_worker) or Redis's (RQ). First queues what a stopped "
        "worker left undone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued, then stop (tests, cron)."
        )
        parser.add_argument(
            "--no-reload", action="store_true", help="Do not restart when the code changes."
        )

    def handle(self, *args, batch=False, no_reload=False, **options):
        call_command("requeue_renditions", verbosity=options["verbosity"], stdout=self.stdout)
        backend = settings.TASKS_BACKEND
        if backend == "database":
            extra = ["--batch", "--no-startup-delay"] if batch else []
            extra += ["--no-reload"] if no_reload or batch else []
            call_command("db_worker", *extra, "--interval", "0.5", verbosity=options["verbosity"])
        elif backend == "rq":
            extra = {"burst": True} if batch else {}
            job_class = "django_tasks_rq.backend.Job"  # runs the task, reports its result
            call_command("rqworker", "default", job_class=job_class, with_scheduler=True, **extra)
        else:
            raise CommandError(f"TASKS_BACKEND={backend} has no worker: tasks run when queued.")
