import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles import neighbours
from articles.models import Article, Author, Notice, RelatedLink, Section


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Рубрика {n}")
    slug = factory.Sequence(lambda n: f"rubryka-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Автор {n}")
    slug = factory.Sequence(lambda n: f"avtor-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Новина номер {n}")
    slug = factory.Sequence(lambda n: f"novyna-{n}")
    section = factory.SubFactory(SectionFactory)
    body = "<p>Перший абзац новини.</p><p>Другий абзац новини.</p>"
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.set(extracted)

    @factory.post_generation
    def neighbours(self, create, extracted, **kwargs):
        """Other news computed as a save through articles.services would (neighbours=False: not)."""
        if create and extracted is not False:
            neighbours.refresh_story(article_id=self.pk)


class RelatedLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedLink

    article = factory.SubFactory(ArticleFactory)
    target = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class EditorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Editors"))


class AuthorUserFactory(UserFactory):
    """A staff member of the Authors group with their own byline."""

    is_staff = True
    first_name = factory.Sequence(lambda n: f"Авторка{n}")
    last_name = "Коваль"

    @factory.post_generation
    def authors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Authors"))
            Author.objects.create(name=self.get_full_name(), slug=f"byline-{self.pk}", user=self)


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    article = factory.SubFactory(ArticleFactory)
    kind = Notice.Kind.CORRECTION
    text = "Раніше ми помилково вказали дату."
