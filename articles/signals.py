"""Start a new content version whenever what readers see of the stories changes."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from articles.cache import content_changed as bump
from articles.models import Article, Author, BreakingNews, Notice, RelatedLink, Section


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
@receiver(post_save, sender=RelatedLink)
@receiver(post_delete, sender=RelatedLink)
@receiver(post_save, sender=Section)
@receiver(post_delete, sender=Section)
@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
@receiver(post_save, sender=Notice)
@receiver(post_delete, sender=Notice)
@receiver(post_save, sender=BreakingNews)
@receiver(post_delete, sender=BreakingNews)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
@receiver(m2m_changed, sender=Article.authors.through)
def on_content_change(sender, **kwargs):
    bump()


def tags_changed(sender, instance, **kwargs):
    if isinstance(instance, Article):
        bump()


m2m_changed.connect(tags_changed, sender=Article.tags.through)
