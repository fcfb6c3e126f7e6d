"""import_articles takes a live page with its entries: all or nothing, idempotent."""

import json

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from live.models import LiveCoverage, LiveEntry

pytestmark = pytest.mark.django_db

RECORD = {
    "title": "Вибори: онлайн",
    "slug": "vybory-onlain",
    "body": "Стежимо за підрахунком голосів.",
    "published_at": "2026-12-05T08:00:00+02:00",
    "live": {
        "started_at": "2026-12-05T08:00:00+02:00",
        "entries": [
            {"posted_at": "2026-12-05T08:05:00+02:00", "body": "Дільниці відкрито."},
            {
                "posted_at": "2026-12-05T09:00:00+02:00",
                "headline": "Явка — 20 %",
                "body": "<p>ЦВК: явка на 9:00 — 20 %.</p>",
                "key_event": True,
                "author": "Олена Коваленко",
            },
        ],
    },
}


def run(tmp_path, *records, dry_run=False):
    path = tmp_path / "live.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    call_command("import_articles", str(path), dry_run=dry_run, verbosity=0)


def test_a_live_page_and_its_entries_come_in(tmp_path, client):
    run(tmp_path, RECORD)
    coverage = LiveCoverage.objects.get(article__slug="vybory-onlain")
    entries = list(coverage.entries.in_order())
    assert [e.headline for e in entries] == ["Явка — 20 %", ""]
    assert entries[0].key_event and entries[0].author.name == "Олена Коваленко"
    assert entries[1].body == "<p>Дільниці відкрито.</p>"
    assert coverage.is_running and coverage.revision == 1
    page = client.get("/news/vybory-onlain/").content.decode()
    assert "Дільниці відкрито." in page and f'id="pinned-{entries[0].pk}"' in page


def test_importing_twice_changes_nothing_and_a_later_file_adds(tmp_path):
    run(tmp_path, RECORD)
    run(tmp_path, RECORD)
    coverage = LiveCoverage.objects.get()
    assert coverage.revision == 1 and coverage.entries.count() == 2
    later = json.loads(json.dumps(RECORD))
    later["live"]["entries"].append(
        {"posted_at": "2026-12-05T10:00:00+02:00", "body": "Дільниці закрито."}
    )
    later["live"]["ended_at"] = "2026-12-05T23:00:00+02:00"
    run(tmp_path, later)
    coverage.refresh_from_db()
    assert coverage.entries.count() == 3 and not coverage.is_running


def test_a_dry_run_writes_nothing(tmp_path):
    run(tmp_path, RECORD, dry_run=True)
    assert not Article.objects.exists() and not LiveEntry.objects.exists()


@pytest.mark.parametrize(
    ("live", "problem"),
    [
        ("так", "line 1: live: must be a JSON object"),
        ({"entries": "багато"}, "line 1: live.entries: must be a list"),
        ({"entries": [{"body": "Без часу."}]}, "line 1: live.entries[1].posted_at: is required"),
        (
            {"entries": [{"posted_at": "2026-12-05T08:05:00", "body": ""}]},
            "line 1: live.entries[1].body: is required",
        ),
        (
            {"entries": [{"posted_at": "вчора", "body": "Текст."}]},
            "line 1: live.entries[1].posted_at: must be an ISO 8601",
        ),
        (
            {"entries": [{"posted_at": "2026-12-05T08:05:00", "body": "<p></p>"}]},
            "line 1: live.entries[1].body: has no text",
        ),
        ({"colour": "red"}, "line 1: live.colour: unknown field"),
        (
            {"entries": [{"posted_at": "2026-12-05T08:05:00", "body": "a", "key_event": "yes"}]},
            "line 1: live.entries[1].key_event: must be true or false",
        ),
        (
            {
                "entries": [
                    {"posted_at": "2026-12-05T08:05:00", "body": "a"},
                    {"posted_at": "2026-12-05T08:05:00", "body": "b"},
                ]
            },
            "line 1: live.entries[2].posted_at: the same time as entry 1",
        ),
    ],
)
def test_a_bad_live_record_is_reported_and_nothing_is_written(tmp_path, capsys, live, problem):
    record = {**RECORD, "live": live}
    with pytest.raises(CommandError):
        run(tmp_path, record)
    assert problem in capsys.readouterr().err
    assert not Article.objects.exists() and not LiveEntry.objects.exists()
