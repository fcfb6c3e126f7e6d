from django.apps import AppConfig


class RatingsTestsConfig(AppConfig):
    """A small app of its own for the ratings tests: recipes with a rated field."""

    name = "ratings.tests"
    label = "ratings_tests"

    def ready(self):
        from ratings import registry
        from ratings.tests.models import Recipe

        registry.register(
            Recipe,
            "rating",
            range=5,
            allow_anonymous=True,
            can_change_vote=True,
            allow_delete=False,
            visible=lambda: Recipe.objects.filter(public=True),
        )
