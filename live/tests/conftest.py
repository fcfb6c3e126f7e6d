"""Fixtures of the live coverage tests: a live page, its desk's users."""

import pytest

from live import services
from tests.factories import ArticleFactory, AuthorUserFactory, EditorFactory


@pytest.fixture
def live_story(db, section):
    return ArticleFactory(section=section, title="Війна в Україні: онлайн", slug="viina-onlain")


@pytest.fixture
def coverage(live_story):
    return services.open_coverage(article=live_story)


@pytest.fixture
def desk_editor(db):
    return EditorFactory()


@pytest.fixture
def desk_author(db):
    return AuthorUserFactory()


@pytest.fixture
def post(coverage, desk_editor):
    """Post an entry as the editor: post(body, **fields) -> LiveEntry."""

    def make(body="Вибухи в Києві.", user=None, **fields):
        return services.post_entry(coverage=coverage, user=user or desk_editor, body=body, **fields)

    return make
