"""The newsroom admin: stories with related links, sections, authors, revisions."""

from django.contrib import admin
from django.db.models import FloatField, OuterRef, Subquery
from django.db.models.functions import Cast, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from js_asset import Media
from reversion.admin import VersionAdmin

from articles import services
from articles.models import Article, Author, RelatedLink, Section, SlugRedirect
from ratings.models import Score


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    extra = 1
    autocomplete_fields = ["target"]
    fields = ["position", "target", "url", "title"]
    verbose_name = _("Other news pick")
    verbose_name_plural = _("Other news: editor's picks (shown first, in this order)")


class PublicationFilter(admin.SimpleListFilter):
    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", _("Live now")), ("scheduled", _("Scheduled")), ("draft", _("Draft"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.published(now)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        return queryset


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    list_display = [
        "title",
        "status_badge",
        "section",
        "published_at",
        "rating_average",
        "rating_count",
    ]
    list_filter = [PublicationFilter, "status", "section", "authors"]
    list_select_related = ["section"]
    search_fields = ["title", "teaser", "body", "slug"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["authors"]
    inlines = [RelatedLinkInline]
    readonly_fields = ["preview_link", "created_at", "updated_at"]
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "section", "authors", "tags", "source"]}),
        (_("Text"), {"fields": ["teaser", "body"]}),
        (
            _("Lead image"),
            {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]},
        ),
        (
            _("Publishing"),
            {"fields": ["status", "published_at", "preview_link", "created_at", "updated_at"]},
        ),
    ]

    class Media:
        js = ["js/admin-slug.js"]

    def render_change_form(self, request, context, *args, **kwargs):
        # The rich-text editor loads through an inline import map; the CSP admits it by nonce.
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_queryset(self, request):
        scores = Score.objects.filter(
            content_type__app_label="articles",
            content_type__model="article",
            object_id=OuterRef("pk"),
            key="rating",
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                votes=Subquery(scores.values("count")[:1]),
                vote_total=Subquery(scores.values("total")[:1]),
            )
            .annotate(
                # a score whose votes were all removed has a count of 0: no average, no error
                vote_average=Cast("vote_total", FloatField())
                / NullIf(Cast("votes", FloatField()), 0.0)
            )
        )

    def save_model(self, request, obj, form, change):
        services.save_story(article=obj)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        if obj.is_scheduled:
            return _("Scheduled")
        return obj.get_status_display()

    @admin.display(description=_("average rating"), ordering="vote_average")
    def rating_average(self, obj):
        return f"{obj.vote_average:.2f}" if obj.votes and obj.vote_average is not None else "—"

    @admin.display(description=_("votes"), ordering="votes")
    def rating_count(self, obj):
        return obj.votes or 0

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if not obj.pk:
            return _("Save the story first.")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("articles:preview", args=[obj.pk]),
            _("Open as a reader will see it"),
        )


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__title"]
    autocomplete_fields = ["article"]
