"""Check every denormalised score against its votes; repair drift with --fix."""

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ratings import services


class Command(BaseCommand):
    help = "Report scores whose count or sum differ from their votes; --fix repairs them."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair the drifted scores.")

    def handle(self, *args, fix, **options):
        drifted = services.recompute(fix=fix)
        for (ct, obj, key), (count, total), (real_count, real_total) in drifted:
            self.stdout.write(
                f"{self._name(ct, obj)}, {key}: stored {count} votes / sum {total}, "
                f"votes say {real_count} / {real_total}" + (" — fixed" if fix else "")
            )
        if not drifted:
            self.stdout.write(self.style.SUCCESS("Every score matches its votes."))
        elif fix:
            self.stdout.write(self.style.SUCCESS(f"Repaired {len(drifted)} score(s)."))
        else:
            raise CommandError(f"{len(drifted)} score(s) drifted; run with --fix to repair.")

    def _name(self, content_type_id, object_id):
        """'story 12 “Уряд затвердив…”': what was rated, as editors know it."""
        content_type = ContentType.objects.get_for_id(content_type_id)
        model = content_type.model_class()
        with translation.override(None):  # the command speaks English throughout
            label = str(model._meta.verbose_name) if model else content_type.model
        found = model._default_manager.filter(pk=object_id).first() if model else None
        return f"{label} {object_id} “{found}”" if found else f"{label} {object_id} (deleted)"
