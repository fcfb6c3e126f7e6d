"""The ratings tests' fixtures: a recipe to rate and a reader; nothing of `articles`."""

import pytest
from django.contrib.auth import get_user_model

from ratings.tests.models import Recipe


@pytest.fixture
def recipe(db):
    return Recipe.objects.create(title="Борщ з пампушками")


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user("reader", password="a long password 12345")
