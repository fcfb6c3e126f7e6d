"""Publish times in a range every part of the site can handle; a stored tsvector for search.

Stories whose publish time lies outside the range (possible before it was enforced) are
made drafts at the range's edge first, so the constraint can be added and an editor
can see and correct them. On PostgreSQL a trigger keeps `search_vector` equal to
to_tsvector('simple', search_document) on every insert and update, whoever writes.
"""

import articles.models
import datetime
import django.contrib.postgres.search
import django.utils.timezone
from django.db import migrations, models


EARLIEST = datetime.datetime(1800, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(3000, 1, 1, tzinfo=datetime.UTC)

SEARCH_SQL = [
    "CREATE TRIGGER article_search_vector BEFORE INSERT OR UPDATE OF search_document, "
    "search_vector ON articles_article FOR EACH ROW EXECUTE FUNCTION "
    "tsvector_update_trigger(search_vector, 'pg_catalog.simple', search_document)",
    "UPDATE articles_article SET search_vector = to_tsvector('simple', search_document)",
    "CREATE INDEX article_search_vector_gin ON articles_article USING gin (search_vector)",
    "DROP INDEX IF EXISTS article_search_gin",
]
SEARCH_SQL_REVERSE = [
    "CREATE INDEX IF NOT EXISTS article_search_gin ON articles_article "
    "USING gin (to_tsvector('simple'::regconfig, search_document))",
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "DROP TRIGGER IF EXISTS article_search_vector ON articles_article",
]


def draft_impossible_times(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(published_at__gte=LATEST).update(
        status="draft", published_at=LATEST - datetime.timedelta(days=1)
    )
    Article.objects.filter(published_at__lt=EARLIEST).update(
        status="draft", published_at=EARLIEST
    )


def add_search_vector_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in SEARCH_SQL:
            schema_editor.execute(statement)


def drop_search_vector_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in SEARCH_SQL_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0002_editors_group_and_search_indexes'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
    ]

    operations = [
        migrations.RunPython(draft_impossible_times, migrations.RunPython.noop),
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='article',
            name='published_at',
            field=models.DateTimeField(default=django.utils.timezone.now, help_text='A time in the future schedules the story: it appears by itself then.', validators=[articles.models.validate_publish_time], verbose_name='publish time'),
        ),
        migrations.AddConstraint(
            model_name='article',
            constraint=models.CheckConstraint(condition=models.Q(('published_at__gte', datetime.datetime(1800, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('published_at__lt', datetime.datetime(3000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='article_publish_time_in_range'),
        ),
        migrations.RunPython(add_search_vector_trigger, drop_search_vector_trigger),
    ]
