"""Scores and votes, read-only: they change only through votes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ratings.models import Score, Vote
from ratings.widget import format_average


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only, and the rated object shown by its name ("the story's headline")."""

    # only the kinds of object that have been rated, not every model of the project
    list_filter = [("content_type", admin.RelatedOnlyFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("content_object")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Only who holds the permission (superusers): so that deleting a user who voted
        # can take their votes along; each deleted vote comes out of its score.
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("rated"))
    def rated(self, obj):
        return obj.content_object if obj.content_object is not None else f"#{obj.object_id}"


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["rated", "count", "average_display", "total", "updated_at"]
    search_fields = ["=object_id"]

    @admin.display(description=_("average rating"))
    def average_display(self, obj):
        return format_average(obj.average)


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["rated", "score", "user", "created_at"]
    list_filter = [*ReadOnlyAdmin.list_filter, "score"]
    search_fields = ["=object_id"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
