"""What each group of the newsroom may open in the admin: every screen, every group."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.admin_forms import signed_in
from tests.factories import AuthorUserFactory, EditorFactory

pytestmark = pytest.mark.django_db

# The admin's screens (a model's list and its add form) and who may open them. An Editor
# runs the newsroom's content; an Author writes stories; neither touches accounts,
# permissions, the site, the login throttle or the task queue.
EDITORS_MAY_CHANGE = {
    "articles.article",
    "articles.frontpagepick",
    "articles.section",
    "articles.author",
    "articles.notice",
    "articles.breakingnews",
    "taggit.tag",
    "redirects.redirect",
    "flatpages.flatpage",
    "images.image",
    "live.livecoverage",
    "live.liveentry",
}
EDITORS_MAY_VIEW = EDITORS_MAY_CHANGE | {"ratings.score", "ratings.vote"}
# a story's pictures, entries of their live pages (posted from the live page's screen)
AUTHORS_MAY_CHANGE = {"articles.article", "images.image", "live.liveentry"}
AUTHORS_MAY_VIEW = AUTHORS_MAY_CHANGE | {
    "live.livecoverage",
    "articles.section",
    "articles.author",
    "articles.notice",
    "taggit.tag",
}
GROUPS = {
    "Editors": (EditorFactory, EDITORS_MAY_VIEW, EDITORS_MAY_CHANGE),
    "Authors": (AuthorUserFactory, AUTHORS_MAY_VIEW, AUTHORS_MAY_CHANGE),
}
SCREENS = sorted(model._meta.label_lower for model in admin.site._registry)


def test_every_registered_screen_is_in_the_table():
    known = EDITORS_MAY_VIEW | AUTHORS_MAY_VIEW
    nobody = {
        "auth.group",
        "auth.user",
        "sites.site",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
        "django_tasks_database.dbtaskresult",
    }
    assert set(SCREENS) <= known | nobody, set(SCREENS) - known - nobody


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("screen", SCREENS)
def test_each_group_opens_exactly_the_screens_its_job_needs(group, screen):
    make_user, may_view, may_change = GROUPS[group]
    client = signed_in(make_user())
    app_label, model = screen.split(".")
    listing = client.get(reverse(f"admin:{app_label}_{model}_changelist"))
    assert listing.status_code == (200 if screen in may_view else 403), (group, screen)
    model_admin = admin.site._registry[_model(screen)]
    if model_admin.has_add_permission.__func__ is admin.ModelAdmin.has_add_permission:
        adding = client.get(reverse(f"admin:{app_label}_{model}_add"))
        assert adding.status_code == (200 if screen in may_change else 403), (group, screen)


def _model(label):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


def test_editors_choose_the_main_story_on_the_front_page(section):
    from articles.models import FrontPagePick
    from tests.factories import ArticleFactory

    story = ArticleFactory(section=section)
    client = signed_in(EditorFactory())
    response = client.post(
        reverse("admin:articles_frontpagepick_add"), {"article": story.pk, "position": 0}
    )
    assert response.status_code == 302
    assert FrontPagePick.objects.get().article == story


def test_old_addresses_are_one_section_with_the_stories_old_addresses_in_it(section):
    from django.contrib.redirects.models import Redirect

    from articles.models import SlugRedirect
    from tests.factories import ArticleFactory

    story = ArticleFactory(section=section, title="Безпека Європи")
    SlugRedirect.objects.create(old_slug="bezpeka-yevropy-stara", article=story)
    Redirect.objects.create(site_id=1, old_path="/?p=7", new_path=story.get_absolute_url())
    client = signed_in(EditorFactory())
    index = client.get(reverse("admin:index")).content.decode()
    assert "Старі адреси" in index and "Перенаправлення" not in index
    assert "/admin/articles/slugredirect/" not in index
    listing = client.get(reverse("admin:redirects_redirect_changelist")).content.decode()
    assert "/?p=7" in listing  # an address that moved
    assert "/bezpeka-yevropy-stara/" in listing and "Безпека Європи" in listing  # a story's
    assert "Старі адреси новин (1)" in listing
    searched = client.get(reverse("admin:redirects_redirect_changelist"), {"q": "p=7"})
    assert "Старі адреси новин (0)" in searched.content.decode()
    assert client.get(reverse("admin:redirects_redirect_add")).status_code == 200
    assert (
        "Додати стару адресу"
        in client.get(reverse("admin:redirects_redirect_add")).content.decode()
    )
