"""The story admin's own pages: compare revisions, the preview of a new story and of a
draft, a draft's discard, the form's presence heartbeat and tag suggestions."""

from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from articles import views
from articles.admin.edit import StoryEdit
from articles.editorial import drafts, preview, workflow


class StoryViewsMixin:
    """The views ArticleAdmin adds to the admin's own (get_urls)."""

    def get_urls(self):
        own = [
            path(
                "preview/",
                self.admin_site.admin_view(self.new_preview_view),
                name="articles_article_new_preview",
            ),
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
            path(
                "<path:object_id>/draft/preview/",
                self.admin_site.admin_view(self.draft_preview_view),
                name="articles_article_draft_preview",
            ),
            path(
                "<path:object_id>/draft/discard/",
                self.admin_site.admin_view(self.draft_discard_view),
                name="articles_article_draft_discard",
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
        if not workflow.may_read_history(request.user, obj):
            raise PermissionDenied
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

    def _draft_for(self, request, object_id):
        """The story and its draft of changes, for those who may change the story."""
        story = self._story_for(request, object_id)
        if not self.has_change_permission(request, story):
            raise PermissionDenied
        draft = drafts.pending(story)
        if draft is None:
            raise Http404(_("This story has no draft of changes."))
        return story, draft

    def draft_preview_view(self, request, object_id):
        """The story as its draft of changes would make it, as a reader will see it."""
        story, draft = self._draft_for(request, object_id)
        fields = flatten_fieldsets(self.get_fieldsets(request, story))
        StoryEdit.of(request).checks_rules = False  # a look, not a save
        form_class = self.get_form(request, story, change=True, fields=fields)
        data = drafts.form_data(draft)
        form = form_class(data, instance=story)
        form.is_valid()  # a field in error keeps the published value
        formsets = [
            (inline, formset(data=data, instance=story, prefix=formset.get_default_prefix()))
            for formset, inline in self.get_formsets_with_inlines(request, story)
        ]
        shown = drafts.story_as_drafted(form, formsets)
        return views.preview_response(request, form.instance, draft=True, **shown)

    def new_preview_view(self, request):
        """A story not saved yet, from the add form as sent, as a reader will see it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        StoryEdit.of(request).checks_rules = False  # a look, not a save
        fields = flatten_fieldsets(self.get_fieldsets(request, None))
        form_class = self.get_form(request, None, change=False, fields=fields)
        form = form_class(request.POST, request.FILES)
        form.is_valid()  # a field in error shows as left empty
        missing = preview.missing(form)
        if missing:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Nothing to preview yet"),
                "missing": missing,
            }
            template = "admin/articles/article/preview_incomplete.html"
            return TemplateResponse(request, template, context, status=400)
        formsets = [
            (
                inline,
                formset(
                    data=request.POST, instance=form.instance, prefix=formset.get_default_prefix()
                ),
            )
            for formset, inline in self.get_formsets_with_inlines(request, None)
        ]
        story, shown, problems = preview.unsaved_story(form, formsets)
        return views.preview_response(request, story, problems=problems, **shown)

    def draft_discard_view(self, request, object_id):
        """Ask, then drop the draft of changes; the published story stays as it is."""
        story, draft = self._draft_for(request, object_id)
        change_url = reverse("admin:articles_article_change", args=[story.pk])
        if request.method == "POST":
            opened_at = request.POST.get("draft_version", "")
            if not opened_at.isdigit():
                raise BadRequest(_("The form names no draft version."))
            try:
                drafts.discard(article=story, opened_at=int(opened_at))
            except drafts.DraftChanged as changed:
                self.message_user(request, str(changed), messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.log_change(request, story, str(_("Discarded the draft of changes")))
            self.message_user(
                request,
                _("The draft of changes is discarded: the story stays as it was published."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": story,
            "draft": draft,
            "draft_by": drafts.saved_by_name(draft),
            "title": _("Discard the draft of changes?"),
            "subtitle": str(story),
        }
        return TemplateResponse(request, "admin/articles/article/draft_discard.html", context)

    def presence_view(self, request, object_id):
        """The heartbeat of an open story form: who else has it open (JSON)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._story_for(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied  # a read-only page is nobody's edit to announce
        others = workflow.note_presence(article=obj, user=request.user)
        return JsonResponse({"others": others})

    def tags_view(self, request):
        """Existing tags that start with ?q=, for the tags field's suggestions (JSON)."""
        query = request.GET.get("q", "").strip()[:100]
        names = []
        if query:
            tags = workflow.visible_tags(request.user, Tag.objects.all())
            found = tags.filter(name__istartswith=query).order_by("name")
            names = list(found.values_list("name", flat=True)[:10])
        return JsonResponse({"tags": names})
