"""The text editor's picture chooser: upload a picture into the library, or pick one of it.

The story text's picture button ("зображення з підписом") opens this page in a small window
(django-prose-editor's picker protocol, CKEditor's `CKEditorFuncNum`); choosing a picture
hands its address, alt text and caption with the credit back to the editor, which inserts a
figure. It is a plain admin page with the site's own script, so it works under the admin's
Content Security Policy (no inline script).
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from images import body, services
from images.models import Image
from images.validation import validate_image

SHOWN = 24  # pictures of the library on the page at once


class UploadForm(forms.Form):
    file = forms.ImageField(label=gettext_lazy("file"), validators=[validate_image])
    alt = forms.CharField(
        label=gettext_lazy("description (alt text)"),
        max_length=300,
        help_text=gettext_lazy("What the picture shows, for readers who cannot see it."),
    )
    caption = forms.CharField(label=gettext_lazy("caption"), max_length=300, required=False)
    credit = forms.CharField(
        label=gettext_lazy("credit"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The photographer or agency."),
    )
    source = forms.CharField(label=gettext_lazy("source"), max_length=300, required=False)
    licence = forms.CharField(label=gettext_lazy("licence"), max_length=200, required=False)


def figure_caption(image):
    """What the figure's caption says: the caption and, after it, the credit."""
    credit = _("Photo: %(credit)s") % {"credit": image.credit} if image.credit else ""
    return " · ".join(part for part in (image.caption, credit) if part)


def tile(image):
    """What the page shows of a picture and hands to the editor."""
    return {
        "image": image,
        "preview": body.reference(image),
        "caption": figure_caption(image),
    }


def picker(request, *, admin_site):
    """Upload (POST) or search (GET ?q=) the library; a chosen picture goes to the editor."""
    if not request.user.has_perm("images.view_image"):
        raise PermissionDenied
    can_add = request.user.has_perm("images.add_image")
    form, chosen, duplicate = _upload_sent(request, can_add)
    query = request.GET.get("q", "").strip()[:200]
    found = Image.objects.search(query) if query else Image.objects.all()
    context = {
        **admin_site.each_context(request),
        "title": _("Insert a picture"),
        "is_popup": True,
        "form": form if can_add else None,
        "query": query,
        "tiles": [tile(image) for image in found[:SHOWN]],
        "chosen": tile(chosen) if chosen else None,
        "duplicate": duplicate,
        "func_num": request.GET.get("CKEditorFuncNum", ""),
    }
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "admin/images/picker.html", context, status=status)


def _upload_sent(request, can_add):
    """(the upload form, the picture uploaded or None, whether the library had it)."""
    if request.method != "POST":
        return UploadForm(), None, None
    if not can_add:
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None, None
    return form, *upload(form, request.user)


def upload(form, user):
    """(the picture to insert, True when the library had it already)."""
    data = form.cleaned_data
    existing = services.find_duplicate(data["file"])
    if existing is not None:
        return existing, True
    details = {name: data[name] for name in ("caption", "credit", "source", "licence")}
    image = services.add_image(file=data["file"], alt=data["alt"], uploaded_by=user, **details)
    return image, False
