"""Scores and votes, read-only: they change only through votes."""

from django.contrib import admin

from ratings.models import Score, Vote


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["content_type", "object_id", "field", "count", "total", "average_display"]
    list_filter = ["content_type", "field"]
    search_fields = ["=object_id"]

    @admin.display(description="average")
    def average_display(self, obj):
        return f"{obj.average:.2f}"


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["content_type", "object_id", "field", "score", "user", "created_at"]
    list_filter = ["content_type", "field", "score"]
    search_fields = ["=object_id"]
    list_select_related = ["content_type", "user"]
    date_hierarchy = "created_at"
