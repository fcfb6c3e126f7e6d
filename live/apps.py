"""The live coverage app: its signals and the groups' permissions after every migrate."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("Live coverage")

    def ready(self):
        from django.db.models.signals import post_migrate

        from live import signals  # noqa: F401

        post_migrate.connect(ensure_permissions, sender=self)


def ensure_permissions(sender, apps=None, using="default", **kwargs):
    """Keep the Editors' and Authors' live-coverage permissions whole after every migrate."""
    from django.apps import apps as global_apps

    from live.migrations import _groups

    _groups.grant(apps or global_apps, None, using=using)
