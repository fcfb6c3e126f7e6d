"""The entry composer and the entry's edit form: a real form that works without JavaScript."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from articles.models import Notice
from images.models import Image
from images.validation import validate_image
from live.models import LiveEntry

ALT_REQUIRED = _("Describe the picture for readers who cannot see it.")
ONE_PICTURE = _("Choose a picture from the library or upload one, not both.")


class PictureChoice(forms.Form):
    """A picture of the library, or a new upload with its alt text (which joins the library)."""

    picture = forms.ModelChoiceField(
        Image.objects.all(),
        required=False,
        label=_("picture from the library"),
        widget=AutocompleteSelect(LiveEntry._meta.get_field("picture"), admin.site),
    )
    upload = forms.ImageField(
        required=False, label=_("or upload a picture"), validators=[validate_image]
    )
    alt = forms.CharField(required=False, max_length=300, label=_("image description (alt text)"))

    def clean(self):
        data = super().clean()
        if data.get("picture") and data.get("upload"):
            raise forms.ValidationError(ONE_PICTURE)
        if data.get("upload") and not (data.get("alt") or "").strip():
            self.add_error("alt", ALT_REQUIRED)
        return data


class ComposerForm(PictureChoice):
    """One text box, a picture, the key-event tick: "Опублікувати" (or Ctrl+Enter)."""

    body = forms.CharField(
        label=_("text"),
        widget=forms.Textarea(attrs={"rows": 5, "autofocus": True, "data-composer-text": ""}),
        help_text=_("Paragraphs separated by new lines. Ctrl+Enter publishes."),
    )
    headline = forms.CharField(required=False, max_length=200, label=_("headline (optional)"))
    key_event = forms.BooleanField(required=False, label=_("key event (pinned on top)"))

    field_order = ["body", "headline", "key_event", "picture", "upload", "alt"]


class EntryForm(forms.ModelForm):
    """An entry's edit form in the admin, with a correction readers are told about."""

    correction_kind = forms.ChoiceField(
        required=False,
        label=_("notice to readers"),
        choices=[("", "—"), *Notice.Kind.choices],
        help_text=_("A correction shows on the entry and on the corrections page."),
    )
    correction = forms.CharField(
        required=False, label=_("notice text"), widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = LiveEntry
        fields = ["posted_at", "headline", "body", "picture", "key_event", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def clean(self):
        data = super().clean()
        if bool(data.get("correction_kind")) != bool((data.get("correction") or "").strip()):
            raise forms.ValidationError(_("Choose the kind of notice and write its text."))
        return data
