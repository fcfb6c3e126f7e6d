"""The story form of the admin."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.admin.edit import StoryEdit
from articles.editorial import actions, drafts, uploads, workflow
from articles.models import (
    Article,
)
from articles.typography import typography
from images import body as text_pictures

# The story's text fields given Ukrainian typography on save: (name, is HTML)
TYPESET_FIELDS = (
    ("title", False),
    ("teaser", False),
    ("body", True),
    ("lead_image_caption", False),
    ("seo_title", False),
    ("meta_description", False),
)


class ArticleAdminForm(forms.ModelForm):
    """The story form: statuses the user may choose, the versions it was opened at.

    Opened on a story with a draft of changes, it is bound to the draft (`edit.shown_draft`),
    and checked like any sent form, so that what changed since shows at once.
    """

    based_on_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    draft_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    significant_update = forms.BooleanField(
        label=_("Significant update"),
        required=False,
        help_text=_(
            "Tick when readers should know the story changed: it then shows “Updated” with "
            "the time. A typo fix needs no tick; a correction or update notice below "
            "counts by itself."
        ),
    )
    synced_with_original = forms.BooleanField(
        label=_("The translation is brought up to date with the original"),
        required=False,
        help_text=_(
            "Tick once the translation carries the original's corrections and updates listed "
            "above: it is then no longer shown as behind the original."
        ),
    )
    edit = StoryEdit(user=None)  # the request's, set by ArticleAdmin.get_form (a new class)

    def __init__(self, *args, **kwargs):
        draft = self.edit.shown_draft
        showing_draft = draft is not None and not args and kwargs.get("data") is None
        if showing_draft:
            kwargs["data"] = drafts.form_data(draft)
            # the page around the form (title, breadcrumbs) names the story as published
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)
        self.showing_draft = showing_draft
        self.conflict = None
        self.draft_conflict = None
        live_version = self.edit.live_version
        opened_at = self.instance.version if live_version is None else live_version
        self.fields["based_on_version"].initial = opened_at
        self.fields["draft_version"].initial = 0
        for _name, widget in uploads.held_widgets(self):
            widget.user, widget.article = self.edit.user, self.instance
        self._set_up_fields()

    def _set_up_fields(self):
        """Spelling checked in Ukrainian, tags suggested, only the statuses the user may set."""
        fields = self.fields
        if "language" in fields:
            fields["language"].required = False
        language = self.initial.get("language") or self.instance.language
        for name in ("title", "teaser"):  # spelling checked in the story's own language
            if name in fields:
                fields[name].widget.attrs.update(spellcheck="true", lang=language)
        if "body" in fields:  # the picture button: upload, or choose from the library
            widget = fields["body"].widget
            widget.config = copy.deepcopy(widget.config)
            widget.config["extensions"]["Figure"] = {"pickerUrl": reverse("admin:images_picker")}
        if self.instance.picture_in_text:  # the text's picture is not a lead image to change
            for name in ("picture", "lead_image"):
                self.initial[name] = None
            for name in ("lead_image_alt", "lead_image_caption", "lead_image_credit"):
                self.initial[name] = ""
        if "tags" in fields:
            suggest = reverse("admin:articles_article_tags")
            fields["tags"].widget.attrs.update({"data-suggest-url": suggest})
        if "status" in fields:  # set by the action buttons, not chosen in a drop-down
            allowed = workflow.allowed_statuses(self.edit.user)
            fields["status"].choices = [c for c in Article.Status.choices if c[0] in allowed]
            fields["status"].widget = forms.HiddenInput()

    def clean_language(self):
        """The story's language; a form sent without it keeps the story's (Ukrainian for a
        new one)."""
        return self.cleaned_data.get("language") or self.instance.language or "uk"

    def clean_body(self):
        """Pictures in the text are the library's: a file of ours joins it and an address of
        another site is copied into it (images.body), or the form says why it cannot be."""
        body = self.cleaned_data.get("body", "")
        if "body" not in self.changed_data and not self.showing_draft:
            return body
        return text_pictures.settle(body, uploaded_by=self.edit.user)

    def clean(self):
        cleaned = super().clean()
        self._typeset(cleaned)
        if not self.edit.checks_rules:
            return cleaned
        if self.edit.action:
            self._take_action(cleaned)
        status = cleaned.get("status", self.instance.status)
        problems = self._check_version(status, cleaned.get("based_on_version"))
        if self.edit.saving_draft:  # the draft keeps its new images on the server
            uploads.refuse_over_quota(self, user=self.edit.user)
        if self.instance.pk is not None:
            problems += self._check_draft(status, cleaned.get("draft_version") or 0)
        if problems:
            raise ValidationError(problems)
        return cleaned

    def _take_action(self, cleaned):
        """The status the button asks for (editorial.actions), or the refusal, saying why.
        Clean runs before the form is put into the story: the instance is still as stored."""
        stored = self.edit.stored or (self.instance if self.instance.pk is not None else None)
        publish_time = cleaned.get("published_at", self.instance.published_at)
        try:
            status = actions.status_for(self.edit.action, self.edit.user, stored, publish_time)
        except workflow.NotAllowed as refusal:
            raise ValidationError(str(refusal), code="not-allowed") from None
        if "status" in self.fields:
            cleaned["status"] = status

    def _check_version(self, status, based_on):
        """[the edit conflict, if the story changed since the form was opened]; a save the
        user may not make is refused at once."""
        try:
            workflow.check_save(
                user=self.edit.user,
                article=self.instance,
                status=status,
                based_on=based_on,
                live_version=self.edit.live_version,
            )
        except workflow.EditConflict as conflict:
            self.conflict = workflow.conflict_details(
                article_id=conflict.article_id, based_on=based_on
            )
            self.conflict["draft"] = self.showing_draft
            # Saving again after reading the changes is a choice made knowing them.
            self._set_data("based_on_version", conflict.current)
            message = drafts.STALE_DRAFT if self.conflict["draft"] else str(conflict)
            return [ValidationError(str(message), code="conflict")]
        except workflow.NotAllowed as refusal:
            raise ValidationError(str(refusal), code="not-allowed") from None
        return []

    def _check_draft(self, status, opened_at):
        """[the problem] if the story's draft of changes moved on since the form was opened,
        or the save does not fit a draft."""
        try:
            drafts.check(
                article=self.instance,
                opened_at=opened_at,
                status=status,
                saving=self.edit.saving_draft,
            )
        except drafts.DraftChanged as changed:
            stored = drafts.form_data(changed.draft) if changed.draft else None
            self.draft_conflict = {
                "draft": changed.draft,
                "rows": drafts.differences(stored, self.data) if stored else [],
            }
            self._set_data("draft_version", changed.current)
            return [ValidationError(str(changed), code="draft-changed")]
        except workflow.NotAllowed as refusal:
            return [ValidationError(str(refusal), code="not-allowed")]
        return []

    def _typeset(self, cleaned):
        """Ukrainian typography in what the editor changed (articles.typography), for a
        story in Ukrainian."""
        if cleaned.get("language", self.instance.language) != "uk":
            return
        for name, is_html in TYPESET_FIELDS:
            if name in self.changed_data and cleaned.get(name):
                cleaned[name] = typography(cleaned[name], html=is_html)

    def _set_data(self, name, value):
        self.data = self.data.copy()
        self.data[name] = str(value)
