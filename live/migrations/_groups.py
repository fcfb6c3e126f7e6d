"""The live coverage permissions of the newsroom's groups (made by articles' migrations).

Editors open, close and configure live pages and post, edit, publish and delete every
entry; Authors post entries and change their own while they wait (the rest of their rule
is in live/rules.py, which the admin asks for every entry).
"""

from articles.migrations._editors import AUTHORS, EDITORS, _create_permissions

PERMISSIONS = {
    EDITORS: [
        "add_livecoverage",
        "change_livecoverage",
        "delete_livecoverage",
        "view_livecoverage",
        "add_liveentry",
        "change_liveentry",
        "delete_liveentry",
        "view_liveentry",
    ],
    AUTHORS: ["view_livecoverage", "add_liveentry", "change_liveentry", "view_liveentry"],
}


def grant(apps, schema_editor, using=None):
    """Give both groups their live coverage permissions (a migration, and after every migrate)."""
    using = using or (schema_editor.connection.alias if schema_editor else "default")
    _create_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        perms = Permission.objects.using(using).filter(
            content_type__app_label="live", codename__in=codenames
        )
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="live"))
