"""The ratings tests' site: the vote endpoints and a page per recipe with its rating.

Alone (ratings/tests/settings.py) it is the whole site; in the project's test run it adds
the recipe page to the project's URLs, which the project's base template links to.
"""

import os
from importlib import import_module

from django.http import Http404
from django.shortcuts import render
from django.urls import include, path

from ratings import cache as score_cache
from ratings.services import Result
from ratings.tests.models import Recipe
from ratings.widget import render_widget


def recipe(request, pk):
    found = Recipe.objects.filter(pk=pk, public=True).first()
    if found is None:
        raise Http404("No such recipe.")
    count, total = score_cache.score(Recipe, pk, "rating")
    widget = render_widget(request, Recipe, pk, Result(count, total, None))
    return render(request, "ratings_tests/recipe.html", {"recipe": found, "widget": widget})


urlpatterns = [path("recipes/<int:pk>/", recipe, name="recipe")]
# the settings module's own URLs (the tests point ROOT_URLCONF here)
project_urls = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF
if project_urls == __name__:
    urlpatterns.append(path("ratings/", include("ratings.urls")))
else:
    urlpatterns += import_module(project_urls).urlpatterns
