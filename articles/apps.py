from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Stories")

    def ready(self):
        from django.db.models.signals import post_migrate

        from articles import checks  # noqa: F401
        from articles.delivery import signals  # noqa: F401

        post_migrate.connect(ensure_groups, sender=self)
        post_migrate.connect(name_the_site, sender=self)
        from articles.models import Article
        from ratings import registry

        # The bylines' table is made by Django: it gets names of its own here, so that
        # the admin (a story's delete page lists them) speaks of bylines, not of objects.
        bylines = Article.authors.through
        bylines._meta.verbose_name = _("byline")
        bylines._meta.verbose_name_plural = _("bylines")
        bylines.__str__ = lambda byline: f"{byline.author} — {byline.article}"

        registry.register(
            Article,
            "rating",
            range=5,
            allow_anonymous=True,
            can_change_vote=True,
            allow_delete=False,
            # a vote checks visibility by key and needs only the address, not the body
            visible=lambda: Article.objects.published().only("id", "slug"),
        )


def ensure_groups(sender, apps=None, using="default", **kwargs):
    """Keep the Editors' and Authors' permissions whole after every migrate (and test flush)."""
    from django.apps import apps as global_apps

    from articles.migrations import _editors

    _editors.create_groups(apps or global_apps, None, using=using)


def name_the_site(sender, using="default", **kwargs):
    """Keep django.contrib.sites' one site (of redirects and flat pages) named by SITE_URL.

    Sitemaps take their host from it, so it must not stay "example.com".
    """
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME}
    )
