"""The story admin: the change form's hooks, review, revisions and drafts of changes."""

import json

import reversion
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, NullIf
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from js_asset import Media
from reversion.admin import VersionAdmin

from articles import search as story_search
from articles.admin.edit import StoryEdit
from articles.admin.form import ArticleAdminForm
from articles.admin.translations import LanguageFilter, TranslationAdminMixin, TranslationFilter
from articles.admin.views import StoryViewsMixin
from articles.editorial import actions, drafts, uploads, workflow
from articles.models import (
    Article,
    NeighbourChoice,
    Notice,
    RelatedLink,
    StoryDraft,
)
from articles.related import explained
from images import picture
from ratings.models import Score
from ratings.widget import format_average


class StoryInlineMixin:
    """An inline of a story is editable only by those who may change the story, and shows
    only rows whose other story (`linked`) the user may see: an Author is not told the
    headline of another author's draft or embargoed story that an editor picked. Rows not
    shown are not in the formset, so a save leaves them as they are."""

    linked = None  # the field naming another story

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if self.linked is None or workflow.can_change_any(request.user):
            return rows
        seen = workflow.visible_to(request.user, Article.objects.all())
        return rows.filter(
            Q(**{f"{self.linked}__isnull": True}) | Q(**{f"{self.linked}__in": seen})
        )

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
    linked = "target"
    extra = 1
    autocomplete_fields = ["target"]
    fields = ["position", "target", "url", "title"]
    verbose_name = _("Other news pick")
    verbose_name_plural = _("Other news: editor's picks (shown first, in this order)")


class NeighbourChoiceInline(StoryInlineMixin, admin.TabularInline):
    """Pins and exclusions of the automatic Other news, after the picks."""

    model = NeighbourChoice
    fk_name = "article"
    linked = "story"
    extra = 0
    autocomplete_fields = ["story"]
    fields = ["story", "kind"]
    verbose_name = _("Other news: a story always or never shown")
    verbose_name_plural = _("Other news: stories always shown (after the picks) or never shown")


class NoticeInline(admin.StackedInline):
    """Corrections, updates and clarifications: on published stories, for editors."""

    model = Notice
    extra = 0
    fields = ["kind", "noted_at", "text"]
    verbose_name = _("correction or update")
    verbose_name_plural = _("Corrections and updates (shown to readers with the story)")


# The form's bookkeeping (the versions it was opened at): never an editor's change.
HIDDEN_FORM_FIELDS = {"based_on_version", "draft_version"}


def without_fields(message, names):
    """A change message without the `names` among its changed fields (an entry left
    with no field is dropped)."""
    kept = []
    for entry in message:
        if "changed" in entry and "fields" in entry["changed"] and "name" not in entry["changed"]:
            fields = [f for f in entry["changed"]["fields"] if f not in names]
            if not fields:
                continue
            entry = {**entry, "changed": {**entry["changed"], "fields": fields}}
        kept.append(entry)
    return kept


class PublicationFilter(admin.SimpleListFilter):
    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [
            ("live", _("Live now")),
            ("scheduled", _("Scheduled")),
            ("review", _("Waiting for review")),
            ("draft", _("Draft")),
            ("changes", _("With a draft of changes")),
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
        if self.value() == "changes":
            return queryset.filter(pending_draft__isnull=False)
        return queryset


@admin.register(Article)
class ArticleAdmin(TranslationAdminMixin, StoryViewsMixin, VersionAdmin):
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
    list_filter = [
        PublicationFilter,
        LanguageFilter,
        TranslationFilter,
        "status",
        "section",
        "authors",
    ]
    list_select_related = ["section"]
    search_fields = ["slug"]  # besides the readers' search, get_search_results
    date_hierarchy = "published_at"
    autocomplete_fields = ["authors", "picture", "translation_of"]
    inlines = [RelatedLinkInline, NeighbourChoiceInline]
    readonly_fields = [
        "preview_link",
        "lead_image_preview",
        "created_at",
        "updated_at",
        "other_news_shown",
    ]
    # an image chosen in a form sent back with errors, or kept in a draft, is offered again
    formfield_overrides = {models.ImageField: {"widget": uploads.HeldImageInput}}
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "section", "authors", "tags", "source"]}),
        (
            _("Language and translation"),
            {"fields": ["language", "translation_of", "synced_with_original"]},
        ),
        (_("Text"), {"fields": ["teaser", "body"]}),
        (
            _("Lead image"),
            {
                "fields": [
                    "lead_image_preview",
                    "picture",
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
                    "draft_version",
                ]
            },
        ),
        (_("Other news as readers see it"), {"fields": ["other_news_shown"]}),
    ]

    class Media:
        js = ["js/admin-slug.js", "js/admin-presence.js", "js/admin-editor.js", "js/admin-story.js"]
        css = {"all": ["css/admin-story.css"]}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The rich-text editor loads through an inline import map; the CSP admits it by nonce.
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        form = context["adminform"].form
        if request.method == "POST":  # sent back with errors: the chosen images are kept
            uploads.keep_chosen(form, user=request.user)
        context["editing_draft"] = context.get("story_draft") is not None and drafts.on_draft(
            context["adminform"].form
        )
        stored = StoryEdit.of(request).stored if obj is not None else None
        if obj is not None and stored is None:
            stored = Article.objects.only("status", "published_at").get(pk=obj.pk)
        context.update(self.translation_context(request, obj))
        context["story_actions"] = actions.buttons(request.user, stored)
        context["save_label"] = actions.save_label(stored)
        context["can_save_draft"] = (
            obj is not None
            and obj.status == Article.Status.PUBLISHED
            and workflow.can_publish(request.user)
            and self.has_change_permission(request, obj)
        )
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if request.method == "POST" and uploads.over_quota(form):
            response.status_code = 429  # too many images waiting: the form says so
        return response

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        published = obj is not None and obj.status == Article.Status.PUBLISHED
        if not (published and workflow.can_publish(request.user)):
            hidden.add("significant_update")  # only editors update a published story
        if obj is None or not obj.is_behind_original:
            hidden.add("synced_with_original")  # only a translation behind its original
        if obj is not None and not self.has_change_permission(request, obj):
            hidden |= {"based_on_version", "draft_version"}  # a read-only page saves nothing
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            fields.append("published_at")  # Authors do not schedule (workflow.save_edit)
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.edit = StoryEdit.of(request)  # a new class for every request
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        draft = StoryEdit.of(request).shown_draft
        if draft is not None:  # the draft's picks and notices
            kwargs["data"] = drafts.form_data(draft)
        return kwargs

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
        edit = StoryEdit.of(request)
        if edit.saving_draft:  # the story stays as readers see it
            uploads.keep_chosen(form, user=request.user, quota=False)  # checked in clean
            held = [widget.held for _name, widget in uploads.held_widgets(form) if widget.held]
            drafts.save_draft(
                article=obj,
                user=request.user,
                data=form.data,
                based_on=form.cleaned_data.get("based_on_version") or 0,
                uploads=held,
            )
            return
        self.save_translation_sync(form, obj)
        chosen = "published_at" in form.changed_data or edit.action == "schedule"
        if edit.action == "publish":  # "Опублікувати": out now, whatever the time field says
            obj.published_at, chosen = timezone.now(), True
        step = workflow.save_edit(
            article=obj,
            user=request.user,
            based_on=form.cleaned_data.get("based_on_version"),
            live_version=edit.live_version,
            significant=form.cleaned_data.get("significant_update", False),
            publish_time_chosen=chosen,
        )
        if form.cleaned_data.get("draft_version"):  # the form was the draft: now it is the story
            drafts.published(article=obj)
            edit.published_draft = True
            step = "; ".join(filter(None, [str(_("Published the draft of changes")), step]))
        edit.step = step
        uploads.release(form)

    def save_related(self, request, form, formsets, change):
        if StoryEdit.of(request).saving_draft:
            return  # tags, bylines, picks and notices wait in the draft
        super().save_related(request, form, formsets, change)
        workflow.finish_save(article=form.instance, user=request.user)

    def construct_change_message(self, request, form, formsets, add=False):
        message = self._change_message(request, form, formsets, add)
        return without_fields(message, HIDDEN_FORM_FIELDS)

    def _change_message(self, request, form, formsets, add):
        if StoryEdit.of(request).saving_draft:  # the formsets know of no saved rows
            message = super().construct_change_message(request, form, [], add)
            with translation.override(None):  # stored untranslated, as Django stores labels
                changed = [
                    str(formset.model._meta.verbose_name_plural)
                    for formset in formsets
                    if formset.has_changed()
                ]
            if changed and not message:
                message.append({"changed": {"fields": []}})
            if changed:
                message[0]["changed"]["fields"] += changed
            return message
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_step(request, entry)
        return entry

    def log_change(self, request, obj, message):
        if StoryEdit.of(request).saving_draft:  # the admin's log only: no new revision
            said = LogEntry(change_message=json.dumps(message)).get_change_message()
            saved = _("Saved a draft of changes")
            message = f"{saved}. {said}".strip()
            obj = Article.objects.get(pk=obj.pk)  # named as readers still see it
        entry = super().log_change(request, obj, message)
        self._record_step(request, entry)
        return entry

    def _record_step(self, request, entry):
        """Sending for review and publishing go into the story's history with who did it."""
        step = StoryEdit.of(request).step
        if step and reversion.is_active():
            reversion.set_comment(f"{step}. {entry.get_change_message()}".strip())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        story = self.get_object(request, unquote(object_id))
        if story is not None and self.has_change_permission(request, story):
            # a story with a draft of changes opens on the draft (get_form, get_formset_kwargs)
            edit = StoryEdit.of(request)
            edit.stored = story
            edit.draft = drafts.pending(story)
            extra_context["story_draft"] = edit.draft
            if edit.draft is not None:
                extra_context["story_draft_by"] = drafts.saved_by_name(edit.draft)
        if story is not None and request.method == "GET":
            extra_context["story_status"] = self.story_status(story)
            workflow.keep_baseline(story)
            if self.has_change_permission(request, story):  # reading is not editing
                extra_context["others_editing"] = workflow.note_presence(
                    article=story, user=request.user
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            if not workflow.may_read_history(request.user, obj):
                raise PermissionDenied
            versions = workflow.story_versions(obj.pk)
            extra_context = {**(extra_context or {}), "story_versions": versions}
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Checked before the revision is put back: a story this user may not change is
        # refused here, not left to the change form (which answers some with a redirect).
        story = self.get_object(request, unquote(object_id))
        if story is None or not self.has_change_permission(request, story):
            raise PermissionDenied
        if not workflow.may_read_history(request.user, story):
            raise PermissionDenied
        # The form of a restored revision is based on the version stored now, not the old one.
        with transaction.atomic():
            stored = Article.objects.filter(pk=unquote(object_id))
            if request.method == "POST":
                stored = stored.select_for_update()
            live_version = stored.values_list("version", flat=True).first()
            StoryEdit.of(request).live_version = live_version
            return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not workflow.can_change_any(request.user):
            raise PermissionDenied  # bringing back a deleted story is the editors' call
        return super().recover_view(request, version_id, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """The readers' search (every form of a word: "Байдена" finds "Байден"), and the
        story's address for an editor who pastes a slug."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = story_search.matching(queryset, term)
        return found | queryset.filter(slug__icontains=term), False

    def recoverlist_view(self, request, extra_context=None):
        if not workflow.can_change_any(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

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
                has_draft=Exists(StoryDraft.objects.filter(article_id=OuterRef("pk"))),
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
        status = _("Scheduled") if obj.is_scheduled else obj.get_status_display()
        if getattr(obj, "has_draft", False):
            return format_html("{} · <em>{}</em>", status, _("draft of changes"))
        return status

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
        if obj.lead_image and not obj.lead_image._committed and obj.pk:
            # a form sent back with a new image (kept below it): the stored one is current
            obj = Article.objects.only("lead_image", "lead_image_renditions", "lead_image_alt").get(
                pk=obj.pk
            )
        if not obj.lead_image or not obj.lead_image._committed:
            return _("No image yet.")
        return format_html(
            '<img class="story-image-preview" src="{}" alt="{}" width="240">',
            picture.preview_url(obj.lead_image_renditions, fallback=obj.lead_image.url),
            obj.lead_image_alt,
        )

    def view_on_site(self, obj):
        """ "View on site" opens the story, or its preview while readers cannot see it."""
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("articles:preview", args=[obj.pk])

    def story_status(self, obj):
        """'Draft', 'Waiting for review', 'Published' or 'Scheduled for 2 December, 10:00'."""
        if obj.is_scheduled:
            when = date_format(timezone.localtime(obj.published_at), "j E Y, H:i")
            return _("Scheduled for %(time)s") % {"time": when}
        return obj.get_status_display()

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._say_status(request, obj)  # after Django's "added" line
        if StoryEdit.of(request).action and "_popup" not in request.POST:
            # after an action the story stays open, its new status at the top
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return response

    def response_change(self, request, obj):
        change_url = reverse("admin:articles_article_change", args=[obj.pk])
        edit = StoryEdit.of(request)
        if edit.saving_draft:
            self.message_user(
                request,
                _(
                    "The changes are saved as a draft. Readers see the published story until "
                    "the draft is published."
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        if edit.published_draft:
            self.message_user(
                request, _("The draft is published: readers see the changes."), messages.SUCCESS
            )
            self._say_status(request, obj)
            return HttpResponseRedirect(change_url)
        response = super().response_change(request, obj)
        self._say_status(request, obj)
        if edit.action:  # after an action the story stays open, its new status at the top
            return HttpResponseRedirect(change_url)
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

    @admin.display(description=_("the six readers see"))
    def other_news_shown(self, obj):
        if not obj.pk:
            return _("Shown once the story is saved.")
        return render_to_string("admin/articles/article/other_news.html", {"shown": explained(obj)})
