from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Stories")

    def ready(self):
        from django.db.models.signals import post_migrate

        from articles import checks, signals  # noqa: F401

        post_migrate.connect(ensure_editors_group, sender=self)
        from articles.models import Article
        from ratings import registry

        registry.register(
            Article,
            "rating",
            range=5,
            allow_anonymous=True,
            can_change_vote=True,
            allow_delete=False,
            visible=lambda: Article.objects.published(),
        )


def ensure_editors_group(sender, apps=None, using="default", **kwargs):
    """Keep the Editors group's permissions whole after every migrate (and test flush)."""
    from django.apps import apps as global_apps

    from articles.migrations import _editors

    _editors.create_editors(apps or global_apps, None, using=using)
