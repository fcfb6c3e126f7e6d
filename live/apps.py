"""The live coverage app: its signals, its story view, and the groups' permissions after
every migrate."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("Live coverage")

    def ready(self):
        from django.db.models.signals import post_migrate

        from articles.views import story_views
        from live import signals  # noqa: F401
        from live.views import live_page

        story_views.append(live_page)
        post_migrate.connect(ensure_permissions, sender=self)


def ensure_permissions(sender, apps=None, using="default", **kwargs):
    """Keep the Editors' and Authors' live-coverage permissions whole after every migrate."""
    from django.apps import apps as global_apps

    from live.migrations import _groups

    _groups.grant(apps or global_apps, None, using=using)
