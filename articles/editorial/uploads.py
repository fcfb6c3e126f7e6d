"""Images chosen in the story form, kept on the server until the form is saved.

A browser cannot put a chosen file back into a form, so a form that comes back with an
error (a slug already taken, a publish time out of range) would lose the image the
editor picked. Instead the admin holds the upload here under a random key; the form
carries the key in a hidden field and shows the picture, and the next submit uses it as
if the file had been sent again. A draft of changes keeps its images the same way until
it is published or discarded. An image held by no draft is dropped after a day.
"""

import posixpath
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from articles.models import HeldUpload

KEPT_FOR = timedelta(days=1)  # an image held by no draft, after which it is dropped
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
SWEEP = 50  # stale images dropped at most per new one, so that holding one stays quick
QUOTA_CODE = "held-quota"
QUOTA_REACHED = gettext_lazy(
    "This image was not kept: you already have %(count)d images (%(mb)s MB) waiting to be "
    "saved with a story form, and one person may keep at most %(most)d images or %(most_mb)s "
    "MB for a day. Save the story with the image chosen again, or come back once the "
    "forms you left are saved."
)


class HeldImageInput(AdminFileWidget):
    """A file input that offers again the image held for this form, with a way to drop it.

    The form sets `user` and `article` (who may use which held image); `held` is the
    HeldUpload the form is using, once a key has been read or an upload held.
    """

    user = None
    article = None
    held = None
    _upload = None

    @staticmethod
    def key_name(name):
        return f"{name}-held"

    @staticmethod
    def drop_name(name):
        return f"{name}-held-drop"

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if value is not None:
            return value  # a new file, or the current one cleared
        if data.get(self.drop_name(name)):
            self.held = None
            return None
        key = data.get(self.key_name(name))
        if not key:
            return None
        if self.held is None or self.held.key != key:
            self.held = find(key, user=self.user, article=self.article)
            self._upload = None
        if self.held is not None and self._upload is None:
            self._upload = as_upload(self.held)
            if self._upload is None:  # its file is gone from the storage
                self.held = None
        return self._upload

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.held is None:
            return html
        return html + format_html(
            '<div class="held-upload" role="status">'
            '<img src="{}" alt="" width="160">'
            '<p>{}</p><input type="hidden" name="{}" value="{}">'
            '<label><input type="checkbox" name="{}"> {}</label></div>',
            default_storage.url(self.held.file.name),
            _(
                "The image you chose, “%(name)s”, is kept: it is saved with the story, no "
                "need to choose it again."
            )
            % {"name": self.held.name},
            self.key_name(name),
            self.held.key,
            self.drop_name(name),
            _("Do not use this image"),
        )


def find(key, *, user, article=None):
    """The held image with `key` that `user` may use in the form of `article`, or None.

    Their own, for a day; or one kept by the draft of changes of this story, whoever
    chose it (the draft is the editors').
    """
    if not key or len(key) > 64 or user is None or not user.is_authenticated:
        return None
    own = Q(draft__isnull=True, held_by=user, held_at__gte=timezone.now() - KEPT_FOR)
    in_draft = Q(draft__article_id=article.pk) if article is not None and article.pk else Q()
    allowed = own | in_draft if in_draft else own
    return HeldUpload.objects.filter(allowed, key=key).first()


def as_upload(held):
    """The held image as a file the form can take, or None when its file is gone."""
    try:
        handle = default_storage.open(held.file.name, "rb")
        size = default_storage.size(held.file.name)
    except OSError:
        return None
    return UploadedFile(file=handle, name=held.name, size=size)


def check_room(user, sizes):
    """Refuse (ValidationError, code QUOTA_CODE) to hold more images of these `sizes` for
    `user` than ARTICLES_HELD_UPLOADS_PER_USER or ARTICLES_HELD_UPLOADS_BYTES_PER_USER
    allow, counting the images they hold in no draft of changes."""
    held = HeldUpload.objects.filter(
        held_by=user, draft__isnull=True, held_at__gte=timezone.now() - KEPT_FOR
    ).aggregate(count=Count("pk"), total=Sum("size"))
    count, total = held["count"], held["total"] or 0
    most, most_bytes = (
        settings.ARTICLES_HELD_UPLOADS_PER_USER,
        settings.ARTICLES_HELD_UPLOADS_BYTES_PER_USER,
    )
    if count + len(sizes) <= most and total + sum(sizes) <= most_bytes:
        return
    mb = 1024 * 1024
    raise ValidationError(
        QUOTA_REACHED,
        code=QUOTA_CODE,
        params={
            "count": count,
            "mb": f"{total / mb:.1f}",
            "most": most,
            "most_mb": f"{most_bytes / mb:.0f}",
        },
    )


def refuse_over_quota(form, *, user):
    """Check that the images newly chosen in `form` may be held for `user`; if not, put
    the refusal on their fields (so they are not held) and return True."""
    chosen = [
        name
        for name, _widget in held_widgets(form)
        if form.files.get(name) and name not in form.errors
    ]
    try:
        check_room(user, [form.files[name].size or 0 for name in chosen])
    except ValidationError as refused:
        for name in chosen:
            form.add_error(name, refused)
        return True
    return False


def over_quota(form):
    """True when `form` refused an image for the held-images quota."""
    return any(form.has_error(name, QUOTA_CODE) for name, _widget in held_widgets(form))


def hold(upload, *, user):
    """Keep `upload`, an image the form has checked, on the server under a new key."""
    sweep()
    upload.seek(0)
    with Image.open(upload) as probe:
        extension = EXTENSIONS.get(probe.format, "img")
    upload.seek(0)
    held = HeldUpload(
        key=secrets.token_urlsafe(32),
        name=posixpath.basename(upload.name or "image")[-255:],
        held_by=user,
        size=upload.size or 0,
    )
    # a random name of the checked format: the chosen name says nothing of the content
    held.file.save(f"{secrets.token_hex(16)}.{extension}", upload, save=False)
    held.save()
    return held


def held_widgets(form):
    """(field name, HeldImageInput) of the form's image fields."""
    return [
        (name, field.widget)
        for name, field in form.fields.items()
        if isinstance(field.widget, HeldImageInput)
    ]


def keep_chosen(form, *, user, quota=True):
    """Hold the valid images newly chosen in `form`, and put their keys in its data.

    Called when the form is not saved as the story (it has errors, or goes into a draft
    of changes): the page shown next, or the draft, offers them again. With `quota`,
    images past the user's quota are refused on their fields instead (see over_quota).
    """
    if quota and refuse_over_quota(form, user=user):
        return
    for name, widget in held_widgets(form):
        upload = form.files.get(name)
        if not upload or name in form.errors:
            continue
        held = hold(upload, user=user)
        widget.held, widget._upload = held, None
        form.data = form.data.copy()
        form.data[widget.key_name(name)] = held.key
        form.data.pop(widget.drop_name(name), None)


def release(form):
    """Drop the held images a saved form used (a draft's go with the draft)."""
    for _name, widget in held_widgets(form):
        if widget.held is not None and widget.held.draft_id is None:
            widget.held.delete()  # its file goes once the save commits (articles.delivery.signals)


def sweep():
    """Drop images held by no draft for longer than KEPT_FOR."""
    stale = HeldUpload.objects.filter(draft__isnull=True, held_at__lt=timezone.now() - KEPT_FOR)
    ids = list(stale.values_list("pk", flat=True)[:SWEEP])
    if ids:
        HeldUpload.objects.filter(pk__in=ids).delete()
