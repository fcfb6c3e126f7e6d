"""Translations in the story admin: "Перекласти англійською", the original beside the form,
the language filter and column of the story list."""

from django.contrib import admin
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from articles import editions
from articles.editorial import workflow
from articles.models import Article

# The original's fields a new translation starts with: the same pictures and section.
SHARED_FIELDS = ("section", "picture", "lead_image_credit", "source")


class LanguageFilter(admin.SimpleListFilter):
    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        used = Article.objects.order_by().values_list("language", flat=True).distinct()
        return [(code, editions.name(code)) for code in sorted(set(used))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(language=self.value())
        return queryset


class TranslationFilter(admin.SimpleListFilter):
    title = _("translations")
    parameter_name = "translated"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("With a translation")),
            ("no", _("Without a translation")),
            ("translation", _("Translations")),
            ("behind", _("Translations behind their original")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(translations__isnull=False).distinct()
        if value == "no":
            return queryset.filter(translations__isnull=True, translation_of__isnull=True)
        if value == "translation":
            return queryset.filter(translation_of__isnull=False)
        if value == "behind":
            return queryset.behind_originals()
        return queryset


class TranslationAdminMixin:
    """What ArticleAdmin does for translations."""

    def get_changeform_initial_data(self, request):
        """A new story opened from "Translate into English": linked to its original, in
        English, with the original's section and pictures."""
        initial = super().get_changeform_initial_data(request)
        original = self._original_asked(request)
        if original is None:
            return initial
        initial.update(language=request.GET.get("language") or "en", translation_of=original.pk)
        for name in SHARED_FIELDS:
            value = getattr(original, name)
            initial[name] = value.pk if hasattr(value, "pk") else value
        return initial

    def _original_asked(self, request):
        raw = request.GET.get("translation_of", "")
        if not raw.isdigit():
            return None
        stories = self.get_queryset(request).filter(translation_of__isnull=True)
        return stories.select_related("section", "picture").filter(pk=int(raw)).first()

    def translation_context(self, request, obj):
        """The original shown beside the form of a translation, and the story's translations
        with the link to make an English one."""
        original = obj.translation_of if obj is not None else self._original_asked(request)
        context = {"translation_original": original}
        if original is not None and obj is not None:
            context["translation_behind"] = obj.is_behind_original
            context["original_changes"] = original_changes(obj)
            context["original_edits"] = original_edits(obj)
        if obj is not None and obj.translation_of_id is None:
            context["story_translations"] = list(obj.translations.only("title", "language"))
            has_english = any(t.language == "en" for t in context["story_translations"])
            context["can_translate"] = (
                obj.language != "en" and not has_english and self.has_add_permission(request)
            )
        return context

    def get_list_display(self, request):
        return [*super().get_list_display(request), "translations_column"]

    def get_queryset(self, request):
        translations = Article.objects.only("pk", "language", "translation_of_id")
        return (
            super()
            .get_queryset(request)
            .annotate(original_language=F("translation_of__language"))
            .prefetch_related(Prefetch("translations", queryset=translations))
        )

    @admin.display(description=_("translations"))
    def translations_column(self, obj):
        """ "EN" for a story with an English translation; "from UK" for a translation."""
        if obj.translation_of_id:
            original = (getattr(obj, "original_language", "") or "").upper()
            return format_html("{} {}", _("translation from"), original)
        found = list(obj.translations.all())
        if not found:
            return "—"
        return format_html_join(", ", "{}", ((t.language.upper(),) for t in found))

    def save_translation_sync(self, form, obj):
        """A translation saved with "brought up to date" ticked follows its original again."""
        if form.cleaned_data.get("synced_with_original"):
            obj.translation_synced_at = timezone.now()


def original_changes(translation):
    """The original's corrections and updates since the translation was last brought up to
    date with it, newest first; [] when it is not behind."""
    original = translation.translation_of
    if original is None or not translation.is_behind_original:
        return []
    since = translation.translation_synced_at or translation.created_at
    return list(original.notices.filter(noted_at__gt=since))


def original_edits(translation):
    """What changed in the original's fields since the translation was last brought up to
    date: rows (label, then, now) between its revision of that time and its latest one."""
    original = translation.translation_of
    if original is None or not translation.is_behind_original:
        return []
    since = translation.translation_synced_at or translation.created_at
    versions = list(workflow.story_versions(original.pk)[:50])
    then = next((v for v in versions if v.revision.date_created <= since), None)
    if not versions or then is None or then.pk == versions[0].pk:
        return []
    return workflow.diff_versions(then, versions[0])
