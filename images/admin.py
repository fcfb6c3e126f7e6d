"""The picture library in the admin: thumbnails, search, filters, the focal point, where used."""

import functools

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from images import picker, picture, services
from images.models import Image


class UseFilter(admin.SimpleListFilter):
    title = _("use")
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return [("used", _("In a story")), ("unused", _("In no story"))]

    def queryset(self, request, queryset):
        if self.value() == "used":
            return queryset.used()
        if self.value() == "unused":
            return queryset.unused()
        return queryset


class ImageForm(forms.ModelForm):
    """A new picture the library already has (the same bytes) is refused, with a link to it."""

    class Meta:
        model = Image
        fields = ["file", "alt", "caption", "credit", "source", "licence", "focal_x", "focal_y"]
        widgets = {"focal_x": forms.HiddenInput, "focal_y": forms.HiddenInput}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and not getattr(upload, "_committed", False):
            duplicate = services.find_duplicate(upload)
            if duplicate and duplicate.pk != self.instance.pk:
                url = reverse("admin:images_image_change", args=[duplicate.pk])
                raise ValidationError(
                    format_html(
                        _('The library has this picture already: <a href="{}">«{}»</a>. Use it.'),
                        url,
                        duplicate,
                    )
                )
        return upload


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "__str__", "credit", "size", "uploaded_by", "created_at"]
    list_display_links = ["thumbnail", "__str__"]
    list_filter = [UseFilter, ("uploaded_by", admin.RelatedOnlyFieldListFilter), "created_at"]
    list_select_related = ["uploaded_by"]
    date_hierarchy = "created_at"
    search_fields = ["alt"]  # the lemmatised search below; also the stories' picture chooser
    readonly_fields = ["focal_point", "size", "uploaded_by", "created_at", "used_in"]
    fieldsets = [
        (None, {"fields": ["file", "focal_point", "alt", "caption", "credit"]}),
        (_("Where it came from"), {"fields": ["source", "licence", "uploaded_by", "created_at"]}),
        (_("Use"), {"fields": ["size", "used_in", "focal_x", "focal_y"]}),
    ]
    list_per_page = 40

    class Media:
        js = ["js/admin-focal-point.js"]
        css = {"all": ["css/admin-pictures.css"]}

    def get_urls(self):
        view = functools.partial(picker.picker, admin_site=self.admin_site)
        chooser = path("picker/", self.admin_site.admin_view(view), name="images_picker")
        return [chooser, *super().get_urls()]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False

    def save_model(self, request, obj, form, change):
        if change:
            moved = {"focal_x", "focal_y"} & set(form.changed_data)
            obj.save()
            if moved:
                services.set_focal_point(image=obj, x=obj.focal_x, y=obj.focal_y)
            return
        details = {f: form.cleaned_data[f] for f in ("caption", "credit", "source", "licence")}
        image = services.add_image(
            file=form.cleaned_data["file"],
            alt=form.cleaned_data["alt"],
            uploaded_by=request.user,
            **details,
        )
        obj.pk, obj.file = image.pk, image.file
        obj._state.adding = False

    @admin.display(description=_("picture"))
    def thumbnail(self, obj):
        url = picture.preview_url(obj.renditions, fallback="")
        if not url:
            return "—"
        return format_html('<img class="library-thumb" src="{}" alt="" width="96">', url)

    @admin.display(description=_("size"))
    def size(self, obj):
        return f"{obj.width}×{obj.height}, {obj.file_size / 1_000_000:.1f} MB"

    @admin.display(description=_("focal point"))
    def focal_point(self, obj):
        if not obj.pk:
            return _("Set it once the picture is saved.")
        # the whole picture (the browser turns it upright): a crop's clicks would land elsewhere
        url = obj.file.url
        return format_html(
            '<div class="focal-point" data-x="{}" data-y="{}"><img src="{}" alt="{}">'
            '<span class="focal-point-mark" aria-hidden="true"></span></div>'
            '<p class="help">{}</p>',
            obj.focal_x,
            obj.focal_y,
            url,
            obj.alt,
            _(
                "Click the face or thing every crop must keep (list thumbnails, the social "
                "card, search engines' images), then save."
            ),
        )

    @admin.display(description=_("used in"))
    def used_in(self, obj):
        """Every story that shows the picture, as its lead image or in its text."""
        stories = obj.stories_shown_in()[:50] if obj.pk else []
        if not stories:
            return _("No story yet.")
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:articles_article_change", args=[s.pk]), s.title) for s in stories),
        )
