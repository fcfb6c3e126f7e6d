from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_db_apps


class NewsroomConfig(AppConfig):
    """The project itself: its deploy checks (the apps register their own)."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from newsroom import checks  # noqa: F401


class NewsroomAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site (newsroom.admin.NewsroomAdminSite)."""

    default_site = "newsroom.admin.NewsroomAdminSite"


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a name editors understand (its own is the bare "Axes")."""

    verbose_name = _("Sign-in protection")


class TasksDatabaseConfig(tasks_db_apps.TasksAppConfig):
    """django-tasks-db's queue in the database, under names editors understand."""

    verbose_name = _("Background tasks")

    def ready(self):
        super().ready()
        result = self.get_model("DBTaskResult")
        result._meta.verbose_name = _("task")
        result._meta.verbose_name_plural = _("tasks")
