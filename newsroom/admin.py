"""The admin site, with Django's generic phrases in correct Ukrainian for every model.

Django builds titles and buttons as "Add %s" with a model's verbose name, which is in the
nominative: Ukrainian then reads "Додати новина" where it must be "Додати новину". Every
ModelAdmin registered here (ours and those of Django's and other apps) gets the titles,
the "Add" button and the delete question with the noun in the accusative from
ACCUSATIVE, and history entries that name fields by their translated verbose names. The
phrases that carry a noun without a case of their own (messages, filter headings) are
reworded in locale/django-admin, a catalog that wins over Django's.
"""

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.urls import path
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

# The accusative singular of each model's verbose name ("Додати новину", "Змінити
# автора"); English has no case, so the English form is the verbose name itself.
ACCUSATIVE = {
    "articles.article": pgettext_lazy("accusative", "story"),
    "articles.section": pgettext_lazy("accusative", "section"),
    "articles.author": pgettext_lazy("accusative", "author"),
    "articles.notice": pgettext_lazy("accusative", "notice"),
    "articles.breakingnews": pgettext_lazy("accusative", "breaking-news banner"),
    "articles.slugredirect": pgettext_lazy("accusative", "old address"),
    "articles.frontpagepick": pgettext_lazy("accusative", "front-page story"),
    "articles.wordpressitem": pgettext_lazy("accusative", "imported WordPress item"),
    "articles.wordpressimage": pgettext_lazy("accusative", "imported WordPress image"),
    "live.livecoverage": pgettext_lazy("accusative", "live page"),
    "live.liveentry": pgettext_lazy("accusative", "live entry"),
    "ratings.score": pgettext_lazy("accusative", "score"),
    "ratings.vote": pgettext_lazy("accusative", "vote"),
    "auth.user": pgettext_lazy("accusative", "user"),
    "auth.group": pgettext_lazy("accusative", "group"),
    "flatpages.flatpage": pgettext_lazy("accusative", "flat page"),
    "redirects.redirect": pgettext_lazy("accusative", "redirect"),
    "sites.site": pgettext_lazy("accusative", "site"),
    "taggit.tag": pgettext_lazy("accusative", "tag"),
}


def accusative(opts):
    """The model's verbose name as the object of "Додати", "Змінити", "Видалити"."""
    return ACCUSATIVE.get(opts.label_lower, opts.verbose_name)


def _field_names(form):
    """{label as Django stores it in history: the untranslated verbose name of the field}."""
    names = {}
    model = getattr(getattr(form, "_meta", None), "model", None)
    with translation.override(None):
        for name, field in form.fields.items():
            stored = str(field.label or name)
            try:
                names[stored] = str(model._meta.get_field(name).verbose_name)
            except (AttributeError, FieldDoesNotExist):  # a form-only field: translated as is
                names[stored] = stored
    return names


class UkrainianGrammarMixin:
    """Titles, buttons and history messages that agree with the model's noun."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {"accusative": accusative(self.opts), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        name = self.opts.verbose_name
        defaults = {_("Add %s") % name, _("Change %s") % name, _("View %s") % name}
        if context.get("title") in defaults:  # not a title a view chose itself
            if add:
                title = _("Add %s")
            elif self.has_change_permission(request, obj):
                title = _("Change %s")
            else:
                title = _("View %s")
            context["title"] = title % accusative(self.opts)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        if IS_POPUP_VAR in request.GET:
            title = _("Select %s")
        elif self.has_change_permission(request):
            title = _("Choose the %s to change")
        else:
            title = _("Choose the %s to view")
        context = {"title": capfirst(title % accusative(self.opts))}
        context["accusative"] = accusative(self.opts)
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def delete_view(self, request, object_id, extra_context=None):
        extra_context = {"object_name": accusative(self.opts), **(extra_context or {})}
        return super().delete_view(request, object_id, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        # Django stores a changed field by its capitalised English label ("Headline"),
        # which no catalog translates; the verbose name ("headline") is translated.
        message = super().construct_change_message(request, form, formsets, add)
        names = _field_names(form)
        for formset in formsets or ():
            if formset.forms:
                names.update(_field_names(formset.forms[0]))
        for entry in message:
            changed = entry.get("changed") or {}
            if "fields" in changed:
                changed["fields"] = [names.get(label, label) for label in changed["fields"]]
        return message


class NewsroomAdminSite(admin.AdminSite):
    """Django's admin site; every ModelAdmin registered on it speaks correct Ukrainian."""

    site_header = "Newsroom"
    site_title = "Newsroom"
    # The story list and form need the width (1280 px shows every column); the admin's
    # front page lists every section of the admin.
    enable_nav_sidebar = False

    def get_urls(self):
        """Django's URLs, with "view on site" for objects the user may see in the admin only:
        its redirect otherwise tells any staff member the address of any object (a story's
        address spells its headline, drafts and embargoed stories included)."""
        urls = super().get_urls()
        guarded = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [guarded if getattr(url, "name", None) == "view_on_site" else url for url in urls]

    def view_on_site(self, request, content_type_id, object_id):
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, UkrainianGrammarMixin):
            admin_class = type(
                admin_class.__name__,
                (UkrainianGrammarMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        return super().register(model_or_iterable, admin_class, **options)
