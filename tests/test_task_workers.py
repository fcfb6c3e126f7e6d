"""Renditions are made by real worker processes: the database's queue, and RQ on Redis."""

import subprocess
import sys

import pytest
from django.conf import settings

from articles import services
from articles.models import Article
from images.models import Image
from images.tests.photos import photo
from tests.conftest import require_postgres, require_redis
from tests.factories import ArticleFactory
from tests.servers import ROOT, server_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def story_with_new_photo(section):
    story = Article.objects.get(pk=ArticleFactory(section=section).pk)
    story.lead_image = photo(size=(1800, 1200), orientation=6)
    story.lead_image_alt = "Портрет"
    services.save_story(article=story)  # commits: the task is queued
    return story


def run_worker(**env):
    environment = server_env(MEDIA_ROOT=settings.MEDIA_ROOT, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "tasks_worker", "--batch"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_database_worker_makes_the_renditions(section, settings):
    require_postgres()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    story = story_with_new_photo(section)
    story.refresh_from_db()
    assert set(story.lead_image_renditions) == {"standin"}  # queued, not made in the save
    from django_tasks_db.models import DBTaskResult

    renditions = DBTaskResult.objects.filter(task_path="images.tasks.make_renditions")
    assert renditions.filter(status="READY").count() == 1

    done = run_worker(TASKS_BACKEND="database")

    assert done.returncode == 0, done.stderr
    image = Image.objects.get()
    assert image.ready and (image.width, image.height) == (1200, 1800)
    story.refresh_from_db()
    assert story.lead_image_renditions["story"][-1]["height"] == 1500  # 4:5 of 1200 across
    # the start's sweep queued it again: harmless, the second run finds it made
    assert set(renditions.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert {r.return_value for r in renditions} == {"made", "already made"}


def test_a_picture_a_stopped_worker_left_is_queued_again(section, settings):
    require_postgres()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    story_with_new_photo(section)  # its task is lost, as when a worker dies mid-task
    assert not Image.objects.get().ready

    done = run_worker(TASKS_BACKEND="database")

    assert done.returncode == 0, done.stderr
    assert "1 pictures' renditions queued" in done.stdout
    assert Image.objects.get().ready


def test_an_rq_worker_makes_the_renditions(section, settings):
    require_postgres()
    require_redis()
    import django_rq

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    settings.RQ_QUEUES = {"default": {"URL": settings.REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    django_rq.get_queue("default").empty()
    story_with_new_photo(section)
    assert not Image.objects.get().ready
    # the renditions' task, and Інші новини's for the story
    assert django_rq.get_queue("default").count >= 1

    done = run_worker(TASKS_BACKEND="rq")

    assert done.returncode == 0, done.stderr
    assert Image.objects.get().ready, done.stderr + done.stdout
