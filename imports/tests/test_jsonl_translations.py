"""import_articles: each record's language and the story it translates."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def write_jsonl(tmp_path, records):
    path = tmp_path / "stories.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    return str(path)


PAIR = [
    # the translation comes first: its original may be later in the same file
    {
        "slug": "budget-passed",
        "title": "The budget is passed",
        "body": 'The "budget" passed.',
        "language": "en",
        "translation_of": "biudzhet-ukhvaleno",
    },
    {"slug": "biudzhet-ukhvaleno", "title": "Бюджет ухвалено", "body": 'Бюджет "ухвалено".'},
]


def test_a_translation_is_imported_into_its_edition_and_linked(tmp_path):
    call_command("import_articles", write_jsonl(tmp_path, PAIR))
    original = Article.objects.get(slug="biudzhet-ukhvaleno")
    translation = Article.objects.get(slug="budget-passed")
    assert original.language == "uk" and translation.language == "en"
    assert translation.translation_of == original
    assert translation.get_absolute_url() == "/en/news/budget-passed/"
    assert "«ухвалено»" in original.body  # Ukrainian typography for Ukrainian text only
    assert "&quot;budget&quot;" in translation.body or '"budget"' in translation.body


def test_importing_the_pair_twice_changes_nothing(tmp_path, capsys):
    path = write_jsonl(tmp_path, PAIR)
    call_command("import_articles", path)
    versions = dict(Article.objects.values_list("slug", "version"))
    call_command("import_articles", path)
    assert dict(Article.objects.values_list("slug", "version")) == versions
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_a_stored_original_can_be_translated_later(tmp_path):
    original = ArticleFactory(slug="stara-novyna", title="Стара новина")
    record = {"slug": "old-story", "title": "Old story", "body": "Text.", "language": "en"}
    record["translation_of"] = "stara-novyna"
    call_command("import_articles", write_jsonl(tmp_path, [record]))
    assert Article.objects.get(slug="old-story").translation_of == original


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"title": "A", "body": "b", "slug": "a", "language": "klingon"}], "line 1: language:"),
        (
            [{"title": "A", "body": "b", "slug": "a", "language": "en", "translation_of": "x"}],
            "line 1: translation_of: no story with slug 'x'",
        ),
        (
            [
                {"title": "А", "body": "б", "slug": "a"},
                {"title": "B", "body": "b", "slug": "b", "translation_of": "a"},
            ],
            "line 2: translation_of: story 'a' is in the same language",
        ),
        (
            [
                {"title": "А", "body": "б", "slug": "a"},
                {"title": "B", "body": "b", "slug": "b", "language": "en", "translation_of": "a"},
                {"title": "C", "body": "c", "slug": "c", "language": "en", "translation_of": "a"},
            ],
            "line 3: translation_of: story 'a' already has a translation into 'en'",
        ),
        (
            [
                {"title": "А", "body": "б", "slug": "a"},
                {"title": "B", "body": "b", "slug": "b", "language": "en", "translation_of": "a"},
                {"title": "C", "body": "c", "slug": "c", "language": "de", "translation_of": "b"},
            ],
            "line 3: translation_of: story 'b' is itself a translation",
        ),
        (
            [{"title": "B", "body": "b", "slug": "b", "language": "en", "translation_of": "a\x00"}],
            "line 1: translation_of: must be the slug of a story",
        ),
        (
            [
                {
                    "title": "B",
                    "body": "b",
                    "slug": "b",
                    "language": "en",
                    "translation_of": "a" * 201,
                }
            ],
            "line 1: translation_of: must be the slug of a story",
        ),
    ],
)
def test_bad_translation_fields_are_reported_and_nothing_is_written(
    tmp_path, capsys, records, message
):
    with pytest.raises(CommandError):
        call_command("import_articles", write_jsonl(tmp_path, records))
    assert message in capsys.readouterr().err
    assert not Article.objects.exists()
