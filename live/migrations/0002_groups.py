"""The Editors' and Authors' permissions on live pages and their entries."""

from django.db import migrations

from live.migrations._groups import grant, revoke


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0001_live_pages"),
        ("articles", "0004_authors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
