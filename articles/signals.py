"""Start a new content version whenever what readers see of the stories changes."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from articles.cache import bump_content_version
from articles.models import Article, Author, RelatedLink, Section


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
@receiver(post_save, sender=RelatedLink)
@receiver(post_delete, sender=RelatedLink)
@receiver(post_save, sender=Section)
@receiver(post_delete, sender=Section)
@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
@receiver(m2m_changed, sender=Article.authors.through)
def content_changed(sender, **kwargs):
    transaction.on_commit(bump_content_version)


def tags_changed(sender, instance, **kwargs):
    if isinstance(instance, Article):
        transaction.on_commit(bump_content_version)


m2m_changed.connect(tags_changed, sender=Article.tags.through)
