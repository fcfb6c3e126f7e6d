"""The newsroom's groups: exactly the permissions each role needs, nothing on users.

Editors do everything on stories, the front page, sections, tags, authors, notices,
banners, old addresses and flat pages; Authors
write stories and change their own (the rest of the Authors' rule lives in
articles/editorial/workflow.py, which the admin asks for every object).
"""

from django.contrib.auth.management import create_permissions

EDITORS = "Editors"
AUTHORS = "Authors"

EDITOR_PERMISSIONS = {
    "articles": [
        "add_article", "change_article", "delete_article", "view_article",
        "publish_article", "change_any_article",
        "add_relatedlink", "change_relatedlink", "delete_relatedlink", "view_relatedlink",
        "add_neighbourchoice", "change_neighbourchoice", "delete_neighbourchoice",
        "view_neighbourchoice",
        "add_section", "change_section", "delete_section", "view_section",
        "add_author", "change_author", "delete_author", "view_author",
        "add_slugredirect", "change_slugredirect", "delete_slugredirect", "view_slugredirect",
        "add_notice", "change_notice", "delete_notice", "view_notice",
        "add_breakingnews", "change_breakingnews", "delete_breakingnews", "view_breakingnews",
        "add_frontpagepick", "change_frontpagepick", "delete_frontpagepick",
        "view_frontpagepick",
    ],
    "taggit": ["add_tag", "change_tag", "delete_tag", "view_tag", "add_taggeditem",
               "change_taggeditem", "delete_taggeditem", "view_taggeditem"],
    "ratings": ["view_score", "view_vote"],
    "images": ["add_image", "change_image", "delete_image", "view_image"],
    "redirects": ["add_redirect", "change_redirect", "delete_redirect", "view_redirect"],
    "flatpages": ["add_flatpage", "change_flatpage", "delete_flatpage", "view_flatpage"],
}

AUTHOR_PERMISSIONS = {
    "articles": [
        "add_article", "change_article", "view_article",
        "add_relatedlink", "change_relatedlink", "delete_relatedlink", "view_relatedlink",
        "add_neighbourchoice", "change_neighbourchoice", "delete_neighbourchoice",
        "view_neighbourchoice",
        "view_section", "view_author", "view_notice",
    ],
    "taggit": ["view_tag"],
    "images": ["add_image", "change_image", "view_image"],
}

GROUPS = {EDITORS: EDITOR_PERMISSIONS, AUTHORS: AUTHOR_PERMISSIONS}


def _create_permissions(apps, using):
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True  # historical apps have none
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            app_config.models_module = original


def _fill(apps, using, name, permissions):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(using).get_or_create(name=name)
    for app_label, codenames in permissions.items():
        perms = Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        group.permissions.add(*perms)


def create_editors(apps, schema_editor, using=None):
    """The Editors group as migration 0002 made it."""
    using = using or (schema_editor.connection.alias if schema_editor else "default")
    _create_permissions(apps, using)
    _fill(apps, using, EDITORS, EDITOR_PERMISSIONS)


def create_groups(apps, schema_editor, using=None):
    """Both groups with all their permissions (a migration, and after every migrate)."""
    using = using or (schema_editor.connection.alias if schema_editor else "default")
    _create_permissions(apps, using)
    for name, permissions in GROUPS.items():
        _fill(apps, using, name, permissions)
