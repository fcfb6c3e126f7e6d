"""The Authors group, and the Editors' new permissions (publishing, notices, banners)."""

from django.db import migrations

from articles.migrations._editors import AUTHORS, create_groups


def remove_authors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=AUTHORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_authors)]
