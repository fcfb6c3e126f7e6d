"""Live pages in the admin: the composer on top of a live page's screen, its entries below.

A live page's change screen is the desk's: post an entry (one text box, a picture, the
key-event tick, "Опублікувати" or Ctrl+Enter), publish an Author's entry that waits, close
or reopen the coverage. An entry is changed or deleted on its own screen, which leads back
here. Every write goes through live.services, which asks live.rules.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from articles.editorial import workflow
from articles.models import Article
from images import services as library
from live import rules, services, signals
from live.forms import ComposerForm, EntryForm
from live.models import LiveCoverage, LiveEntry

LATEST = 50
EDITORS_FIELDS = ("is_published", "correction_kind", "correction")


def _composer_url(coverage_id):
    return reverse("admin:live_livecoverage_change", args=[coverage_id])


@admin.register(LiveCoverage)
class LiveCoverageAdmin(admin.ModelAdmin):
    list_display = ["article", "started_at", "ended_at", "revision"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["article__title"]
    autocomplete_fields = ["article"]
    fields = ["article", "started_at", "authors_publish"]

    def get_queryset(self, request):
        stories = workflow.visible_to(request.user, Article.objects.all())
        return super().get_queryset(request).filter(article__in=stories).select_related("article")

    def has_add_permission(self, request):
        return rules.may_manage(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return rules.may_manage(request.user) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            signals.changed(obj)
            return
        made = services.open_coverage(
            article=obj.article, started_at=obj.started_at, authors_publish=obj.authors_publish
        )
        obj.pk = made.pk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The desk: the composer, waiting and latest entries, close or reopen."""
        coverage = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, coverage):
            raise PermissionDenied
        form = ComposerForm()
        if request.method == "POST":
            form, done = self._act(request, coverage)
            if done:
                return HttpResponseRedirect(_composer_url(coverage.pk))
        return self._desk(request, coverage, form)

    def _desk(self, request, coverage, form):
        entries = coverage.entries.in_order().select_related("author", "picture")
        user = request.user
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": coverage,
            "title": str(coverage),
            "coverage": coverage,
            "form": form,
            "media": self.media + form.media,
            "posting_refusal": rules.posting_refusal(user, coverage),
            "may_manage": rules.may_manage(user),
            "is_editor": rules.is_editor(user),
            "waiting": list(entries.filter(is_published=False)[:LATEST]),
            "latest": list(entries.filter(is_published=True)[:LATEST]),
            "settings_url": reverse("admin:live_livecoverage_settings", args=[coverage.pk]),
        }
        return TemplateResponse(request, "admin/live/desk.html", context)

    def _act(self, request, coverage):
        """(form, done) for the desk's POST: post, publish:<id>, close, reopen."""
        action = request.POST.get("action", "")
        form = ComposerForm()
        try:
            if action == "post":
                form = ComposerForm(request.POST, request.FILES)
                if not form.is_valid():
                    return form, False
                self._post(request, coverage, form.cleaned_data)
            elif action.startswith("publish:") and action[8:].isdigit():
                entry = get_object_or_404(coverage.entries, pk=int(action[8:]))
                services.publish_entry(entry=entry, user=request.user)
                messages.success(request, _("The entry is published."))
            elif action == "close":
                services.close_coverage(coverage=coverage, user=request.user)
                messages.success(request, _("The coverage has ended."))
            elif action == "reopen":
                services.reopen_coverage(coverage=coverage, user=request.user)
                messages.success(request, _("The coverage runs again."))
            else:
                messages.error(request, _("Unknown action: nothing was changed."))
                return form, False
        except services.Refused as refusal:
            messages.error(request, str(refusal))
            return form, False
        return form, True

    @transaction.atomic
    def _post(self, request, coverage, data):
        picture = data.get("picture")
        if data.get("upload"):
            picture = library.add_image(
                file=data["upload"], alt=data["alt"].strip(), uploaded_by=request.user
            )
        entry = services.post_entry(
            coverage=coverage,
            user=request.user,
            body=data["body"],
            headline=data.get("headline", ""),
            picture=picture,
            key_event=data.get("key_event", False),
        )
        if entry.is_published:
            messages.success(request, _("Published."))
        else:
            messages.success(request, _("Saved: the entry waits for an editor to publish it."))

    def get_urls(self):
        from django.urls import path

        settings_view = self.admin_site.admin_view(self.settings_view)
        return [
            path("<path:object_id>/settings/", settings_view, name="live_livecoverage_settings"),
            *super().get_urls(),
        ]

    def settings_view(self, request, object_id):
        """The coverage's own fields (story, start, whether Authors publish): Django's form."""
        return super().change_view(request, object_id)

    def response_change(self, request, obj):
        return HttpResponseRedirect(_composer_url(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(_composer_url(obj.pk))

    def has_change_permission(self, request, obj=None):
        return rules.may_manage(request.user) and super().has_change_permission(request, obj)


@admin.register(LiveEntry)
class LiveEntryAdmin(admin.ModelAdmin):
    form = EntryForm
    list_display = ["__str__", "coverage", "posted_at", "key_event", "is_published", "author"]
    list_filter = ["key_event", "is_published"]
    list_select_related = ["coverage__article", "author"]
    search_fields = ["headline", "body"]
    autocomplete_fields = ["picture"]
    date_hierarchy = "posted_at"

    def get_queryset(self, request):
        stories = workflow.visible_to(request.user, Article.objects.all())
        return super().get_queryset(request).filter(coverage__article__in=stories)

    def has_add_permission(self, request):
        return False  # entries are posted from their live page's desk

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return rules.change_refusal(request.user, obj) is None

    def has_delete_permission(self, request, obj=None):
        return rules.may_delete(request.user)

    def get_fields(self, request, obj=None):
        fields = [*super().get_fields(request, obj)]
        if not rules.is_editor(request.user):
            fields = [f for f in fields if f not in EDITORS_FIELDS]
        return fields

    def save_model(self, request, obj, form, change):
        try:
            services.edit_entry(entry=obj, user=request.user, fields=form.changed_data)
            note = form.cleaned_data.get("correction", "").strip()
            if note:
                kind = form.cleaned_data["correction_kind"]
                services.correct_entry(entry=obj, user=request.user, kind=kind, note=note)
        except services.Refused as refusal:
            raise PermissionDenied(str(refusal)) from refusal

    def delete_model(self, request, obj):
        services.remove_entry(entry=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.remove_entry(entry=entry, user=request.user)

    def response_change(self, request, obj):
        messages.success(request, _("The entry is saved."))
        return HttpResponseRedirect(_composer_url(obj.coverage_id))

    def response_delete(self, request, obj_display, obj_id):
        coverage_id = request.POST.get("coverage") or request.GET.get("coverage")
        if coverage_id and coverage_id.isdigit():
            messages.success(request, _("The entry is deleted."))
            return HttpResponseRedirect(_composer_url(int(coverage_id)))
        return super().response_delete(request, obj_display, obj_id)
