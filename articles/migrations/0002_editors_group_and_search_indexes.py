"""The Editors group, and PostgreSQL's full-text and trigram indexes for search."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "articles": [
        "add_article", "change_article", "delete_article", "view_article",
        "add_relatedlink", "change_relatedlink", "delete_relatedlink", "view_relatedlink",
        "add_section", "change_section", "view_section",
        "add_author", "change_author", "view_author",
        "add_slugredirect", "change_slugredirect", "delete_slugredirect", "view_slugredirect",
    ],
    "taggit": ["add_tag", "change_tag", "view_tag", "add_taggeditem", "change_taggeditem",
               "delete_taggeditem", "view_taggeditem"],
    "ratings": ["view_score", "view_vote"],
}  # fmt: skip


def create_editors(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    for app_label, codenames in EDITOR_PERMISSIONS.items():
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.add(*perms)


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


SEARCH_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS article_search_gin ON articles_article "
    "USING gin (to_tsvector('simple'::regconfig, search_document))",
    "CREATE INDEX IF NOT EXISTS article_title_trgm ON articles_article "
    "USING gin (title gin_trgm_ops)",
]
SEARCH_SQL_REVERSE = [
    "DROP INDEX IF EXISTS article_title_trgm",
    "DROP INDEX IF EXISTS article_search_gin",
]


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in SEARCH_SQL:
            schema_editor.execute(statement)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in SEARCH_SQL_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("ratings", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_editors, remove_editors),
        migrations.RunPython(add_search_indexes, drop_search_indexes),
    ]
