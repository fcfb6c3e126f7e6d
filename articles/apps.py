from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Stories")

    def ready(self):
        from articles import signals  # noqa: F401
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
