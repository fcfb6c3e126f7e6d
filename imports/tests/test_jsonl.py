"""import_articles: JSON Lines or an array, idempotent by slug, all or nothing."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, RelatedLink, Section
from imports import jsonl as importer
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def write_jsonl(tmp_path, records, name="stories.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    return str(path)


GOOD = [
    {
        "title": "Уряд ухвалив бюджет",
        "body": "Перший абзац.\n\nДругий абзац.",
        "source": "Reuters",
        "section": "Економіка",
        "tags": ["бюджет", "уряд"],
        "authors": ["Олена Коваленко"],
        "related": ["druha-novyna"],
    },
    {
        "slug": "druha-novyna",
        "title": "Друга новина",
        "body": "<p>HTML тіло <script>alert(1)</script></p>",
        "published_at": "2026-11-20T10:00:00+02:00",
        "status": "draft",
    },
]


def test_good_file_is_imported_with_everything(tmp_path, capsys):
    call_command("import_articles", write_jsonl(tmp_path, GOOD))
    first = Article.objects.get(slug="uriad-ukhvalyv-biudzhet")
    assert first.source == "Reuters" and first.section.name == "Економіка"
    assert first.body == "<p>Перший абзац.</p><p>Другий абзац.</p>"
    assert sorted(t.name for t in first.tags.all()) == ["бюджет", "уряд"]
    assert [a.name for a in first.authors.all()] == ["Олена Коваленко"]
    assert [link.target.slug for link in first.related_links.all()] == ["druha-novyna"]
    second = Article.objects.get(slug="druha-novyna")
    assert second.status == "draft" and "<script" not in second.body
    assert second.published_at.isoformat() == "2026-11-20T08:00:00+00:00"
    assert "2 created" in capsys.readouterr().out


def test_json_array_is_accepted(tmp_path):
    path = tmp_path / "stories.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), "utf-8")
    call_command("import_articles", str(path))
    assert Article.objects.count() == 2


def test_importing_twice_changes_nothing(tmp_path, capsys):
    path = write_jsonl(tmp_path, GOOD)
    call_command("import_articles", path)
    before = list(Article.objects.order_by("pk").values("pk", "updated_at", "body", "title"))
    capsys.readouterr()
    call_command("import_articles", path)
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    after = list(Article.objects.order_by("pk").values("pk", "updated_at", "body", "title"))
    assert before == after
    assert RelatedLink.objects.count() == 1


def test_existing_slug_updates_that_story(tmp_path):
    story = ArticleFactory(slug="druha-novyna", title="Стара")
    call_command("import_articles", write_jsonl(tmp_path, GOOD))
    story.refresh_from_db()
    assert story.title == "Друга новина"
    assert Article.objects.count() == 2


def test_bad_file_writes_nothing_and_reports_every_bad_record(tmp_path, capsys):
    records = [
        {"title": "Добра новина", "body": "Текст."},
        {"title": "", "body": "x"},
        {"title": "Без тіла"},
        {"title": 5, "body": "x", "tags": "not-a-list"},
        {"title": "Погана дата", "body": "x", "published_at": "вчора"},
        {"title": "Погана адреса", "body": "x", "slug": "Bad Slug!"},
        {"title": "Невідомий статус", "body": "x", "status": "live"},
        {"title": "Посилання в нікуди", "body": "x", "related": ["no-such-story"]},
        {"title": "Зайве поле", "body": "x", "colour": "red"},
        "not an object",
    ]
    with pytest.raises(CommandError):
        call_command("import_articles", write_jsonl(tmp_path, records))
    err = capsys.readouterr().err
    assert "line 1:" not in err  # the good record is not reported
    for expected in [
        "line 2: title: must not be empty",
        "line 3: body: is required",
        "line 4: title: must be a string",
        "line 4: tags: must be a list of strings",
        "line 5: published_at: must be an ISO 8601",
        "line 6: slug: must be lower-case",
        "line 7: status: must be",
        "line 8: related: no story with slug 'no-such-story'",
        "line 9: colour: unknown field",
        "line 10: record: the record must be a JSON object",
    ]:
        assert expected in err, expected
    assert not Article.objects.exists() and not Section.objects.exists()


def test_malformed_json_line_is_reported_with_its_number(tmp_path, capsys):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"title": "a", "body": "b"}\n{"title": \n', "utf-8")
    with pytest.raises(CommandError):
        call_command("import_articles", str(path))
    assert "line 2: json:" in capsys.readouterr().err
    assert not Article.objects.exists()


def test_duplicate_slugs_within_a_file_are_refused(tmp_path, capsys):
    records = [{"title": "Та сама", "body": "a"}, {"title": "Та сама", "body": "b"}]
    with pytest.raises(CommandError):
        call_command("import_articles", write_jsonl(tmp_path, records))
    assert "line 2: slug:" in capsys.readouterr().err
    assert not Article.objects.exists()


def test_related_may_point_forward_and_across_files(tmp_path):
    first = write_jsonl(
        tmp_path, [{"title": "Перша", "body": "a", "related": ["tretia"]}], "a.jsonl"
    )
    second = write_jsonl(tmp_path, [{"title": "Третя", "body": "b", "slug": "tretia"}], "b.jsonl")
    call_command("import_articles", first, second)
    assert Article.objects.get(slug="persha").related_links.get().target.slug == "tretia"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_articles", str(tmp_path / "nope.jsonl"))


def test_dry_run_writes_nothing(tmp_path, capsys):
    call_command("import_articles", write_jsonl(tmp_path, GOOD), "--dry-run")
    assert "would have 2 created" in capsys.readouterr().out
    assert not Article.objects.exists()


def test_control_characters_and_mixed_scripts_survive_cleanly(tmp_path):
    record = {"title": "Київ\x00 Kyiv Κίεβο\x07", "body": "Текст\x0b з керуючими"}
    call_command("import_articles", write_jsonl(tmp_path, [record]))
    article = Article.objects.get()
    assert article.title == "Київ Kyiv Κίεβο"
    assert "\x0b" not in article.body


FIELD_NAMES = [*sorted(importer.FIELDS), "extra"]  # every field the format has, and one more
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=40),
    st.lists(st.text(max_size=12), max_size=3),
    st.just("2026-11-29T10:00:00+02:00"),
    st.just("published"),
    st.just("draft"),
    st.text(max_size=3000),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(st.dictionaries(st.sampled_from(FIELD_NAMES), ANY_VALUE), max_size=5))
def test_any_records_import_whole_or_not_at_all(records):
    from imports import jsonl as services

    before = Article.objects.count()
    try:
        valid = services.validate(list(enumerate(records, start=1)))
    except services.InvalidRecords as exc:
        assert exc.errors and all(e.startswith("line ") for e in exc.errors)
        assert Article.objects.count() == before
        return
    result = services.import_articles(records=valid)
    assert result.created + result.updated + result.unchanged == len(valid)
    assert Article.objects.count() == before + result.created


def test_a_section_made_by_an_import_is_reported_and_goes_to_the_end_of_the_menu(tmp_path):
    from django.core.management import call_command

    from articles.models import Section

    Section.objects.create(name="Світ", slug="svit", position=3)
    Section.objects.create(name="Україна", slug="ukraina", position=0)
    source = tmp_path / "stories.jsonl"
    source.write_text(
        '{"title": "Новина", "body": "Текст.", "section": "Авто"}\n', encoding="utf-8"
    )
    out = io.StringIO()
    call_command("import_articles", str(source), stdout=out)
    assert "New sections created, at the end of the menu: Авто." in out.getvalue()
    assert list(Section.objects.values_list("name", flat=True)) == ["Україна", "Світ", "Авто"]


def test_an_update_of_tags_or_related_stories_alone_moves_the_version(tmp_path):
    """An editor's form opened before the import is out of date whatever part it changed."""
    first = {"slug": "persha", "title": "Перша", "body": "Текст.", "tags": ["а"]}
    second = {"slug": "druha", "title": "Друга", "body": "Текст."}
    call_command("import_articles", write_jsonl(tmp_path, [first, second]), stdout=io.StringIO())
    versions = dict(Article.objects.values_list("slug", "version"))
    retagged = {**first, "tags": ["а", "б"]}
    call_command("import_articles", write_jsonl(tmp_path, [retagged, second]), stdout=io.StringIO())
    linked = {**retagged, "related": ["druha"]}
    call_command("import_articles", write_jsonl(tmp_path, [linked, second]), stdout=io.StringIO())
    after = dict(Article.objects.values_list("slug", "version"))
    assert after == {"persha": versions["persha"] + 2, "druha": versions["druha"]}
    call_command("import_articles", write_jsonl(tmp_path, [linked, second]), stdout=io.StringIO())
    assert dict(Article.objects.values_list("slug", "version")) == after


def test_an_import_purges_the_pages_in_front_once_it_commits(
    tmp_path, purges, django_capture_on_commit_callbacks
):
    path = write_jsonl(tmp_path, GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", path, "--dry-run")
    assert purges == []  # nothing was written
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", path)
    assert {"nav"} in purges  # every page carries the menu's key
