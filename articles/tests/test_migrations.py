"""Every migration applies forward and backward on PostgreSQL with data in the tables."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import require_postgres

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
APPS = ["ratings", "images", "articles"]


def leaf(app):
    executor = MigrationExecutor(connection)
    return max(
        (node for node in executor.loader.graph.leaf_nodes() if node[0] == app),
        key=lambda node: node[1],
    )


def test_migrations_walk_back_and_forth_with_data():
    require_postgres()
    call_command("seed_demo", articles=30, no_editor=True, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_article")
        assert cursor.fetchone()[0] == 30
    leaves = {app: leaf(app) for app in APPS}
    # back to before the data migration and the search indexes, then forward again
    with connection.cursor() as cursor:  # the demo's lead images are pictures of the library
        cursor.execute("SELECT count(*) FROM articles_article WHERE lead_image <> ''")
        with_image = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM articles_article WHERE picture_id IS NOT NULL")
        assert cursor.fetchone()[0] == with_image > 0
    call_command("migrate", "articles", "0013", verbosity=0)
    call_command("migrate", "articles", "0014", verbosity=0)  # the data migration, again
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_article WHERE picture_id IS NOT NULL")
        assert cursor.fetchone()[0] == with_image
        cursor.execute("SELECT count(DISTINCT content_hash), count(*) FROM images_image")
        distinct, images = cursor.fetchone()
        assert distinct == images  # each file's bytes once
    call_command("migrate", "articles", "0001", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'article_search%'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM articles_article")
        assert cursor.fetchone()[0] == 30  # data survived
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'article_search%'")
        assert [row[0] for row in cursor.fetchall()] == ["article_search_vector_gin"]
        # the trigger filled the stored vector of every story on the way up
        cursor.execute("SELECT count(*) FROM articles_article WHERE search_vector IS NULL")
        assert cursor.fetchone()[0] == 0
    # all the way down for both apps (tables dropped), and up again
    call_command("migrate", "articles", "zero", verbosity=0)
    call_command("migrate", "images", "zero", verbosity=0)
    call_command("migrate", "ratings", "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    applied = executor.loader.applied_migrations
    assert all(leaves[app] in applied for app in APPS)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
