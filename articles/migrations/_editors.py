"""The Editors group: exactly the permissions a newsroom editor needs, nothing on users."""

from django.contrib.auth.management import create_permissions

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
    "redirects": ["add_redirect", "change_redirect", "delete_redirect", "view_redirect"],
    "flatpages": ["add_flatpage", "change_flatpage", "delete_flatpage", "view_flatpage"],
}  # fmt: skip


def create_editors(apps, schema_editor, using=None):
    using = using or (schema_editor.connection.alias if schema_editor else "default")
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True  # historical apps have none
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(using).get_or_create(name="Editors")
    for app_label, codenames in EDITOR_PERMISSIONS.items():
        perms = Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        group.permissions.add(*perms)
