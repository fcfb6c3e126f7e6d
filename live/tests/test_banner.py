"""The breaking-news banner may link to a live page, or carry its text alone."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from articles.delivery.content_version import bump_content_version
from articles.models import BreakingNews

pytestmark = pytest.mark.django_db


def banner(**fields):
    fields.setdefault("expires_at", timezone.now() + timedelta(hours=1))
    fields.setdefault("starts_at", timezone.now() - timedelta(minutes=1))
    return BreakingNews.objects.create(**fields)


def test_a_banner_links_to_a_live_page(client, article, live_story, coverage):
    banner(article=live_story, text="Атака на енергосистему: онлайн")
    bump_content_version()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<a href="{live_story.get_absolute_url()}">Атака на енергосистему: онлайн</a>' in html


def test_a_banner_may_carry_text_alone(client, article):
    banner(text="Повітряна тривога в Києві")
    bump_content_version()
    html = client.get("/").content.decode()
    assert "<span>Повітряна тривога в Києві</span>" in html


def test_a_banner_with_neither_story_nor_text_is_refused(db):
    empty = BreakingNews(expires_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):
        empty.full_clean()
    with pytest.raises(IntegrityError):
        banner(text="")
