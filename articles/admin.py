"""The newsroom admin: stories with related links, notices, review, revisions; banners."""

import reversion
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import FloatField, OuterRef, Subquery
from django.db.models.functions import Cast, NullIf
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from js_asset import Media
from reversion.admin import VersionAdmin
from taggit import admin as taggit_admin
from taggit.models import Tag

from articles import services, workflow
from articles.models import (
    Article,
    Author,
    BreakingNews,
    FrontPagePick,
    Notice,
    RelatedLink,
    Section,
    SlugRedirect,
)
from articles.templatetags.articles_tags import rendition_url
from ratings.models import Score
from ratings.widget import format_average


class StoryInlineMixin:
    """An inline of a story is editable only by those who may change the story."""

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and (
            obj is None or workflow.may_change(request.user, obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or workflow.may_change(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or workflow.may_change(request.user, obj)
        )


class RelatedLinkInline(StoryInlineMixin, admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    extra = 1
    autocomplete_fields = ["target"]
    fields = ["position", "target", "url", "title"]
    verbose_name = _("Other news pick")
    verbose_name_plural = _("Other news: editor's picks (shown first, in this order)")


class NoticeInline(admin.StackedInline):
    """Corrections, updates and clarifications: on published stories, for editors."""

    model = Notice
    extra = 0
    fields = ["kind", "noted_at", "text"]
    verbose_name = _("correction or update")
    verbose_name_plural = _("Corrections and updates (shown to readers with the story)")


class ArticleAdminForm(forms.ModelForm):
    """The story form: statuses the user may choose, the version it was opened at."""

    based_on_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    significant_update = forms.BooleanField(
        label=_("Significant update"),
        required=False,
        help_text=_(
            "Tick when readers should know the story changed: it then shows “Updated” with "
            "the time. A typo fix needs no tick; a correction or update notice below "
            "counts by itself."
        ),
    )
    user = None  # set per request by ArticleAdmin.get_form
    live_version = None  # the stored version when a revision is being restored

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        opened_at = self.instance.version if self.live_version is None else self.live_version
        self.fields["based_on_version"].initial = opened_at
        if "title" in self.fields:
            self.fields["title"].widget.attrs.update(spellcheck="true", lang="uk")
        if "tags" in self.fields:
            suggest = reverse("admin:articles_article_tags")
            self.fields["tags"].widget.attrs.update({"data-suggest-url": suggest})
        if "status" in self.fields:
            allowed = workflow.allowed_statuses(self.user)
            self.fields["status"].choices = [
                choice for choice in Article.Status.choices if choice[0] in allowed
            ]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        based_on = cleaned.get("based_on_version")
        try:
            workflow.check_save(
                user=self.user,
                article=self.instance,
                status=status,
                based_on=based_on,
                live_version=self.live_version,
            )
        except workflow.EditConflict as conflict:
            self.conflict = workflow.conflict_details(
                article_id=conflict.article_id, based_on=based_on
            )
            # Saving again after reading the changes is a choice made knowing them.
            self.data = self.data.copy()
            self.data["based_on_version"] = conflict.current
            raise ValidationError(str(conflict), code="conflict") from None
        except workflow.NotAllowed as refusal:
            raise ValidationError(str(refusal), code="not-allowed") from None
        return cleaned


class PublicationFilter(admin.SimpleListFilter):
    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [
            ("live", _("Live now")),
            ("scheduled", _("Scheduled")),
            ("review", _("Waiting for review")),
            ("draft", _("Draft")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.published(now)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "review":
            return queryset.filter(status=Article.Status.REVIEW)
        return queryset


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    list_display = [
        "title",
        "status_badge",
        "section",
        "published",
        "rating_average",
        "rating_count",
    ]
    list_filter = [PublicationFilter, "status", "section", "authors"]
    list_select_related = ["section"]
    search_fields = ["title", "teaser", "body", "slug"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["authors"]
    inlines = [RelatedLinkInline]
    readonly_fields = ["preview_link", "lead_image_preview", "created_at", "updated_at"]
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "section", "authors", "tags", "source"]}),
        (_("Text"), {"fields": ["teaser", "body"]}),
        (
            _("Lead image"),
            {
                "fields": [
                    "lead_image_preview",
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ]
            },
        ),
        (
            _("Search and social"),
            {
                "fields": ["seo_title", "meta_description", "social_image"],
                "classes": ["collapse"],
            },
        ),
        (
            _("Publishing"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "significant_update",
                    "preview_link",
                    "created_at",
                    "updated_at",
                    "based_on_version",
                ]
            },
        ),
    ]

    class Media:
        js = ["js/admin-slug.js", "js/admin-presence.js", "js/admin-editor.js", "js/admin-story.js"]
        css = {"all": ["css/admin-story.css"]}

    def render_change_form(self, request, context, *args, **kwargs):
        # The rich-text editor loads through an inline import map; the CSP admits it by nonce.
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        published = obj is not None and obj.status == Article.Status.PUBLISHED
        if not (published and workflow.can_publish(request.user)):
            hidden.add("significant_update")  # only editors update a published story
        if obj is not None and not self.has_change_permission(request, obj):
            hidden.add("based_on_version")  # a read-only page saves nothing
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a new class for every request
        form.live_version = getattr(request, "live_story_version", None)
        return form

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and obj.status == Article.Status.PUBLISHED:
            if request.user.has_perm("articles.add_notice"):
                inlines.append(NoticeInline)
        return inlines

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or workflow.may_change(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.may_delete(request.user)

    def save_model(self, request, obj, form, change):
        obj.workflow_step = workflow.save_story(
            article=obj,
            user=request.user,
            based_on=form.cleaned_data.get("based_on_version"),
            live_version=form.live_version,
            significant=form.cleaned_data.get("significant_update", False),
            publish_time_chosen="published_at" in form.changed_data,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        workflow.finish_save(article=form.instance, user=request.user)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_step(obj, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record_step(obj, entry)
        return entry

    def _record_step(self, obj, entry):
        """Sending for review and publishing go into the story's history with who did it."""
        step = getattr(obj, "workflow_step", None)
        if step and reversion.is_active():
            reversion.set_comment(f"{step}. {entry.get_change_message()}".strip())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        story = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if story is not None:
            extra_context["story_status"] = self.story_status(story)
            workflow.keep_baseline(story)
            extra_context["others_editing"] = workflow.note_presence(
                article_id=story.pk, user=request.user
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            versions = workflow.story_versions(obj.pk)
            extra_context = {**(extra_context or {}), "story_versions": versions}
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Checked before the revision is put back: a story this user may not change is
        # refused here, not left to the change form (which answers some with a redirect).
        story = self.get_object(request, unquote(object_id))
        if story is None or not self.has_change_permission(request, story):
            raise PermissionDenied
        # The form of a restored revision is based on the version stored now, not the old one.
        with transaction.atomic():
            stored = Article.objects.filter(pk=unquote(object_id))
            if request.method == "POST":
                stored = stored.select_for_update()
            request.live_story_version = stored.values_list("version", flat=True).first()
            return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not workflow.can_change_any(request.user):
            raise PermissionDenied  # bringing back a deleted story is the editors' call
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not workflow.can_change_any(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "tags/",
                self.admin_site.admin_view(self.tags_view),
                name="articles_article_tags",
            ),
            path(
                "<path:object_id>/presence/",
                self.admin_site.admin_view(self.presence_view),
                name="articles_article_presence",
            ),
        ]
        return own + super().get_urls()

    def _story_for(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such story."))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def compare_view(self, request, object_id):
        """Two revisions of a story side by side, with links to restore either."""
        obj = self._story_for(request, object_id)
        versions = workflow.story_versions(obj.pk)
        try:
            older = get_object_or_404(versions, pk=int(request.GET.get("a", "")))
            newer = get_object_or_404(versions, pk=int(request.GET.get("b", "")))
        except ValueError:
            raise Http404(_("Choose two revisions to compare.")) from None
        if older.pk > newer.pk:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": obj,
            "title": _("Compare revisions of “%(story)s”") % {"story": obj},
            "older": older,
            "newer": newer,
            "rows": workflow.diff_versions(older, newer),
            "can_restore": self.has_change_permission(request, obj),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def presence_view(self, request, object_id):
        """The heartbeat of an open story form: who else has it open (JSON)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_for(request, object_id)
        others = workflow.note_presence(article_id=obj.pk, user=request.user)
        return JsonResponse({"others": others})

    def get_queryset(self, request):
        scores = Score.objects.filter(
            content_type__app_label="articles",
            content_type__model="article",
            object_id=OuterRef("pk"),
            field="rating",
        )
        stories = (
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
        return workflow.visible_to(request.user, stories)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        if obj.is_scheduled:
            return _("Scheduled")
        return obj.get_status_display()

    @admin.display(description=_("publish time"), ordering="published_at")
    def published(self, obj):
        return date_format(timezone.localtime(obj.published_at), "j E Y, H:i")

    @admin.display(description=_("average rating"), ordering="vote_average")
    def rating_average(self, obj):
        if not obj.votes or obj.vote_average is None:
            return "—"
        return format_average(obj.vote_average)  # "4,19", as readers see it

    @admin.display(description=_("votes"), ordering="votes")
    def rating_count(self, obj):
        return obj.votes or 0

    @admin.display(description=_("current image"))
    def lead_image_preview(self, obj):
        if not obj.lead_image:
            return _("No image yet.")
        return format_html(
            '<img class="story-image-preview" src="{}" alt="{}" width="240">',
            rendition_url(obj, "jpg", 480),
            obj.lead_image_alt,
        )

    def view_on_site(self, obj):
        """ "View on site" opens the story, or its preview while readers cannot see it."""
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("articles:preview", args=[obj.pk])

    def tags_view(self, request):
        """Existing tags that start with ?q=, for the tags field's suggestions (JSON)."""
        query = request.GET.get("q", "").strip()[:100]
        names = []
        if query:
            found = Tag.objects.filter(name__istartswith=query).order_by("name")
            names = list(found.values_list("name", flat=True)[:10])
        return JsonResponse({"tags": names})

    def story_status(self, obj):
        """'Draft', 'Waiting for review', 'Published' or 'Scheduled for 2 December, 10:00'."""
        if obj.is_scheduled:
            when = date_format(timezone.localtime(obj.published_at), "j E Y, H:i")
            return _("Scheduled for %(time)s") % {"time": when}
        return obj.get_status_display()

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._say_status(request, obj)  # after Django's "added" line
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self._say_status(request, obj)
        return response

    def _say_status(self, request, obj):
        if "_popup" not in request.POST:
            self.message_user(
                request, _("Status: %(status)s.") % {"status": self.story_status(obj)}
            )

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if not obj.pk:
            return _("Save the story first.")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("articles:preview", args=[obj.pk]),
            _("Open as a reader will see it"),
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
    list_display = ["name", "slug", "position", "colour"]
    list_editable = ["position"]
    search_fields = ["name"]
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


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["article", "kind", "noted_at"]
    list_filter = ["kind"]
    search_fields = ["text", "article__title"]
    autocomplete_fields = ["article"]
    date_hierarchy = "noted_at"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workflow.finish_save(article=obj.article, user=request.user)


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


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__title"]
    autocomplete_fields = ["article"]
