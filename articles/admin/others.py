"""The admin of what is not a story: front page, sections, authors, tags, notices,
banners, old addresses and flat pages."""

from django.contrib import admin
from django.contrib.flatpages import admin as flatpages_admin
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects import admin as redirects_admin
from django.contrib.redirects.models import Redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit import admin as taggit_admin
from taggit.models import Tag

from articles import pages, services
from articles.editorial import workflow
from articles.models import (
    Article,
    Author,
    BreakingNews,
    FrontPagePick,
    Notice,
    Section,
    SlugRedirect,
)


class SlugFromNameMedia:
    """The slug fills itself from the name by the official transliteration, as on stories.

    (Django's prepopulated_fields would write "Юлія" as "yuliya", not "yuliia".)
    """

    js = ["js/admin-slug.js"]


@admin.register(FrontPagePick)
class FrontPagePickAdmin(admin.ModelAdmin):
    """The front page: the main story (lowest position) and the top stories after it."""

    list_display = ["article", "position", "section", "published_at"]
    list_editable = ["position"]
    list_select_related = ["article__section"]
    autocomplete_fields = ["article"]

    @admin.display(description=_("section"))
    def section(self, obj):
        return obj.article.section

    @admin.display(description=_("publish time"))
    def published_at(self, obj):
        return obj.article.published_at


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "position", "colour"]
    list_editable = ["position"]
    search_fields = ["name", "name_en"]
    Media = SlugFromNameMedia


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name"]
    raw_id_fields = ["user"]
    fields = ["name", "slug", "photo", "bio", "user"]
    Media = SlugFromNameMedia

    def save_model(self, request, obj, form, change):
        services.save_author(author=obj)


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(taggit_admin.TagAdmin):
    prepopulated_fields = {}
    Media = SlugFromNameMedia

    def get_queryset(self, request):
        return workflow.visible_tags(request.user, super().get_queryset(request))


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["article", "kind", "noted_at"]
    list_filter = ["kind"]
    search_fields = ["text", "article__title"]
    autocomplete_fields = ["article"]
    date_hierarchy = "noted_at"

    def get_queryset(self, request):
        stories = workflow.visible_to(request.user, Article.objects.all())
        return super().get_queryset(request).filter(article__in=stories)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workflow.finish_save(article=obj.article, user=request.user)
        moved_from = form.initial.get("article") if change else None  # a story of its own
        self._stories_changed(request, [obj.article_id, moved_from], obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._stories_changed(request, [obj.article_id], obj)

    def delete_queryset(self, request, queryset):
        notices = list(queryset.select_related("article"))
        super().delete_queryset(request, queryset)
        for notice in notices:
            self._stories_changed(request, [notice.article_id], notice)

    def _stories_changed(self, request, article_ids, notice):
        """The story form shows its notices: a form opened before this is out of date."""
        comment = _("Changed in the corrections list: %(notice)s") % {"notice": notice}
        workflow.changed_elsewhere(
            article_ids=[pk for pk in article_ids if pk], user=request.user, comment=comment
        )


@admin.register(BreakingNews)
class BreakingNewsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "starts_at", "expires_at", "is_showing", "created_by"]
    autocomplete_fields = ["article"]
    fields = ["article", "text", "starts_at", "expires_at"]

    @admin.display(description=_("showing now"), boolean=True)
    def is_showing(self, obj):
        now = timezone.now()
        return obj.starts_at <= now < obj.expires_at

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


admin.site.unregister(Redirect)


@admin.register(Redirect)
class OldAddressAdmin(redirects_admin.RedirectAdmin):
    """ "Старі адреси": one section for every address that moved.

    Its rows are the addresses an editor (or an import) sends elsewhere; below them, read
    only, the old addresses of stories, which the site keeps by itself when a story's slug
    changes (SlugRedirect, without a screen of its own).
    """

    STORY_ADDRESSES_SHOWN = 100
    change_list_template = "admin/redirects/redirect/change_list.html"

    def changelist_view(self, request, extra_context=None):
        moved = SlugRedirect.objects.select_related("article").order_by("-created_at")
        query = request.GET.get("q", "").strip()
        if query:
            moved = moved.filter(old_slug__icontains=query)
        rows = [
            (
                reverse("articles:detail", kwargs={"slug": row.old_slug}),
                row.article,
                reverse("admin:articles_article_change", args=[row.article_id]),
            )
            for row in moved[: self.STORY_ADDRESSES_SHOWN]
        ]
        extra_context = {
            "story_addresses": rows,
            "story_addresses_count": moved.count(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)


admin.site.unregister(FlatPage)


@admin.register(FlatPage)
class FlatPageAdmin(flatpages_admin.FlatPageAdmin):
    """Django's flat page admin with our form: only the site's page template."""

    form = pages.FlatPageForm
