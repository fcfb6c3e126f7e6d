"""The ratings tests' own model: any project's object with a rated field would do."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse


class Recipe(models.Model):
    title = models.CharField(max_length=100)
    public = models.BooleanField(default=True)  # only public recipes may be voted on
    scores = GenericRelation("ratings.Score", related_query_name="recipe")  # for top_rated

    class Meta:
        app_label = "ratings_tests"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recipe", args=[self.pk])
