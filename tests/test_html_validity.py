"""The Nu Html Checker (vnu.jar, from npm's vnu-jar) on both editions' pages: valid HTML,
with the languages the text is in; and their schema.org data names the same language."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.factories import ArticleFactory, NoticeFactory

pytestmark = pytest.mark.django_db

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker():
    """The command that runs the Nu Html Checker; skips (fails in CI) without it."""
    java = shutil.which("java")
    problem = None
    if java is None:
        problem = "java not found (apt-get install default-jre-headless)"
    elif not VNU.exists():
        problem = f"the Nu Html Checker is not installed at {VNU} (npm ci)"
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    return [java, "-jar", str(VNU), "--errors-only", "--format", "json"]


@pytest.fixture
def pages(client, section):
    original = ArticleFactory(
        section=section,
        title="Уряд ухвалив бюджет",
        slug="biudzhet",
        body="<p>Депутати проголосували за бюджет.</p>",
        tags=["бюджет"],
    )
    english = ArticleFactory(
        section=section,
        title="The government passed the budget",
        slug="budget",
        body="<p>Members of parliament voted for the budget.</p>",
        language="en",
        translation_of=original,
    )
    ArticleFactory(section=section, title="Another English story", language="en")
    NoticeFactory(article=english, kind="correction", text="We corrected the sum.")
    persian = ArticleFactory(
        section=section, title="پارچ لینوکس منتشر شد", slug="parch", language="fa"
    )
    paths = [
        english.get_absolute_url(),
        original.get_absolute_url(),
        persian.get_absolute_url(),
        "/en/",
        "/en/section/svit/",
        "/en/search/?q=budget",
        "/en/top/",
        "/en/corrections/",
    ]
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found[path] = response.content.decode()
    return found


def test_both_editions_pages_are_valid_html(pages, tmp_path):
    command = checker()
    files = []
    for number, html in enumerate(pages.values()):
        file = tmp_path / f"page-{number}.html"
        file.write_text(html, "utf-8")
        files.append(str(file))
    result = subprocess.run(
        [*command, *files], capture_output=True, text=True, timeout=300, check=False
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    names = dict(zip(files, pages, strict=True))
    errors = [
        f"{names.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []


def test_the_pages_say_the_language_of_their_text(pages):
    english = pages["/en/news/budget/"]
    assert '<html lang="en">' in english and '<div class="story-body" lang="en">' in english
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', english, re.S)[1])
    assert data["@type"] == "NewsArticle" and data["inLanguage"] == "en"
    assert data["url"].endswith("/en/news/budget/")
    persian = pages["/news/parch/"]
    assert '<html lang="uk">' in persian  # the interface is the Ukrainian edition's
    assert '<div class="story-body" lang="fa" dir="rtl">' in persian
