"""What the app server's master loads before it forks its workers (newsroom/prefork.py)."""

import pytest
from django.db import connections
from django.template import base as template_base
from django.template import engines

from articles import related, story_reads, translations
from newsroom import prefork


def cached_template_names():
    loader = engines["django"].engine.template_loaders[0]
    return set(loader.get_template_cache)


def test_the_site_templates_are_compiled_and_not_the_admin():
    engines["django"].engine.template_loaders[0].reset()

    prefork.compile_templates()

    compiled = cached_template_names()
    assert {"base.html", "articles/article_detail.html", "ratings/rating_widget.html"} <= compiled
    assert not [name for name in compiled if name.startswith("admin/")]
    assert "django/forms/widgets/input.html" not in compiled  # an installed package's


@pytest.mark.django_db(transaction=True)
def test_a_story_page_after_the_warm_up_compiles_no_template(client, article, monkeypatch):
    engines["django"].engine.template_loaders[0].reset()
    prefork.warm_up()
    compiled = []
    original = template_base.Template.compile_nodelist

    def compile_nodelist(self):
        compiled.append(self.origin.template_name)
        return original(self)

    monkeypatch.setattr(template_base.Template, "compile_nodelist", compile_nodelist)

    assert client.get(article.get_absolute_url()).status_code == 200
    assert compiled == []


@pytest.mark.django_db(transaction=True)
def test_the_story_reads_are_built_and_the_connection_closed_before_the_fork(article):
    reads = {
        story_reads.STORY: (),
        story_reads.TAGS: (),
        story_reads.AUTHORS: (),
        translations.PUBLIC_GROUP: (),
        related.STORED_BLOCK: (6,),
    }
    for read in reads:
        read._statements.clear()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.ARTICLES_RELATED_COUNT", 6)
        prefork.learn_story_reads()

    for read, shape in reads.items():
        assert read._statements[("default", shape)] is not None, read.build
    assert connections["default"].connection is None


def test_what_the_master_holds_is_out_of_the_collectors_sight(monkeypatch):
    import gc

    for step in ("compile_templates", "build_url_resolvers", "learn_story_reads"):
        monkeypatch.setattr(prefork, step, lambda: None)  # tested above
    gc.unfreeze()
    try:
        prefork.warm_up()
        assert gc.get_freeze_count() > 10_000  # Django's and the app's objects
    finally:
        gc.unfreeze()
