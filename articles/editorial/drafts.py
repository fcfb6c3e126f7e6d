"""Drafts of changes: a published story's edits kept aside until an editor publishes them.

An editor changing a published story may save the form as a draft of changes instead of
saving the story. Nothing readers see changes: the story, its tags, bylines, picks and
image are not written, so no content version starts, no page is purged, and feeds,
search and sitemaps still read the published story. The draft is the story form as it
was sent (a new image is held by articles.editorial.uploads). Opening the story shows the draft in
the form, its preview renders it, and publishing it is an ordinary save of that form:
every rule, check and side effect of a save (workflow.save_edit) applies.

No lost edits: the draft has its own version, which the form carries. A save or publish
based on an older draft, or on a draft published or discarded meanwhile, is refused with
who saved it, when, and how it differs from the form; the story's own version guards
the published story as for every save (articles.editorial.workflow).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag

from articles.editorial import uploads, workflow
from articles.models import Article, Notice, RelatedLink, StoryDraft
from articles.slugs import slugify_uk

# What a browser sends that is not the story: the buttons and the CSRF token.
NOT_KEPT = {
    "csrfmiddlewaretoken",
    "_save",
    "_continue",
    "_addanother",
    "_saveasnew",
    "_save_draft",
    "_publish_draft",
}

ONLY_PUBLISHED = gettext_lazy(
    "Only a published story's changes are kept as a draft: save this story as usual."
)
KEEPS_PUBLISHED = gettext_lazy(
    "A draft of changes keeps the story published: set the status back to Published, or "
    "publish or discard the draft before changing the status."
)
DRAFT_SAVED_MEANWHILE = gettext_lazy(
    "%(user)s saved this story's draft of changes at %(time)s, after you opened it. Nothing "
    "was saved: your edits are in the form below, and the table shows how the saved draft "
    "differs from them. Bring in what matters, then save again."
)
NOT_DISCARDED = gettext_lazy(
    "%(user)s saved this story's draft of changes again at %(time)s, after you looked at "
    "it: nothing was discarded. Look at the draft now before discarding it."
)
STALE_DRAFT = gettext_lazy(
    "The published story was changed after this draft of changes was saved: the table "
    "below shows what changed. Bring those changes into the draft where they matter; "
    "publishing the draft puts out the draft's version of every field."
)
DRAFT_GONE = gettext_lazy(
    "This story's draft of changes was published or discarded after you opened it. Nothing "
    "was saved: your edits are in the form below; save again to keep them."
)

# The fields a difference between a saved draft and a form shows, in the form's order.
COMPARED = (
    "title slug section authors tags source teaser body lead_image_alt lead_image_caption "
    "lead_image_credit status published_at seo_title meta_description"
).split()


class DraftChanged(PermissionDenied):
    """A save based on a draft of changes other than the one stored (or none)."""

    def __init__(self, *, draft, message=DRAFT_SAVED_MEANWHILE):
        self.draft = draft
        self.current = draft.version if draft is not None else 0
        if draft is None:
            message = str(DRAFT_GONE)
        else:
            message = str(message) % {
                "user": saved_by_name(draft),
                "time": date_format(timezone.localtime(draft.saved_at), "DATETIME_FORMAT"),
            }
        super().__init__(message)


def saved_by_name(draft):
    user = draft.saved_by
    return (user.get_full_name() or user.get_username()) if user else _("someone")


def pending(article):
    """The draft of changes of the stored story, or None (always None unless the story is
    published: a draft left behind by a take-down is nobody's to see)."""
    if article is None or article.pk is None:
        return None
    drafts = StoryDraft.objects.select_related("saved_by").filter(
        article_id=article.pk, article__status=Article.Status.PUBLISHED
    )
    return drafts.first()


def on_draft(form):
    """True when the story form is a draft of changes (opened on one, or sent from one)."""
    if getattr(form, "showing_draft", False):
        return True
    value = str(form.data.get("draft_version", "")) if form.is_bound else ""
    return value.isdigit() and int(value) > 0


def form_data(draft):
    """The draft as the story form's data (a QueryDict, as a browser would send it)."""
    data = QueryDict(mutable=True)
    for name, values in draft.data.items():
        data.setlist(name, list(values))
    return data


def check(*, article, opened_at, status, saving):
    """Lock the story's draft and refuse a save out of step with it.

    `opened_at` is the draft version the form was opened at (0: the form is not a draft),
    `status` the one the form asks for, `saving` true for "save as a draft". A form that
    is not a draft may save the story while a draft waits: the draft is kept, and shows
    what changed when it is opened. Called after workflow.check_save has locked the
    story, so two first drafts cannot both be made.
    """
    opened_at = opened_at or 0
    stored = Article.objects.filter(pk=article.pk).values_list("status", flat=True).first()
    draft = StoryDraft.objects.select_for_update().filter(article_id=article.pk).first()
    if stored != Article.Status.PUBLISHED:
        draft = None  # left behind by a take-down: not shown, dropped by the save
    current = draft.version if draft else 0
    if opened_at != current and (opened_at or saving):
        raise DraftChanged(draft=draft)
    if saving or opened_at:
        _refuse_unpublished(stored_status=stored, status=status, saving=saving)
    return draft


def _refuse_unpublished(*, stored_status, status, saving):
    """A draft of changes is made of a published story, and keeps it published."""
    if saving and stored_status != Article.Status.PUBLISHED:
        raise workflow.NotAllowed(str(ONLY_PUBLISHED))
    if status != Article.Status.PUBLISHED:
        raise workflow.NotAllowed(str(KEEPS_PUBLISHED))


@transaction.atomic
def save_draft(*, article, user, data, based_on, uploads=()):
    """Keep the form's `data` as the story's draft of changes; the story is not written.

    `uploads` are the held images the form uses: the draft keeps them (and drops those of
    its previous save it no longer uses). Returns the draft.
    """
    draft = StoryDraft.objects.select_for_update().filter(article_id=article.pk).first()
    version = draft.version + 1 if draft else 1
    keys = {held.key for held in uploads}
    kept = {name: values for name, values in data.lists() if _kept_field(name, values, keys)}
    kept["draft_version"] = [str(version)]
    kept["based_on_version"] = [str(based_on)]
    draft = draft or StoryDraft(article=article)
    draft.data, draft.version, draft.based_on_version = kept, version, based_on
    draft.saved_by, draft.saved_at = user, timezone.now()
    draft.save()
    _keep_uploads(draft, uploads)
    return draft


def _kept_field(name, values, held_keys):
    """A field of the sent form a draft keeps: not a button or token, nor a stale image key."""
    if name in NOT_KEPT:
        return False
    return not name.endswith("-held") or (values or [""])[-1] in held_keys


def _keep_uploads(draft, uploads):
    """The draft keeps the held images its form uses, and drops those it no longer does."""
    for held in uploads:
        if held.draft_id != draft.pk:
            held.draft = draft
            held.save(update_fields=["draft"])
    for unused in draft.uploads.exclude(key__in=[held.key for held in uploads]):
        unused.delete()  # its file goes once this commits (articles.delivery.signals)


@transaction.atomic
def discard(*, article, opened_at):
    """Drop the story's draft of changes, if it is still the one the editor looked at."""
    Article.objects.select_for_update().filter(pk=article.pk).first()  # in step with saves
    draft = StoryDraft.objects.select_for_update().filter(article_id=article.pk).first()
    if draft is None or draft.version != opened_at:
        raise DraftChanged(draft=draft, message=NOT_DISCARDED)
    draft.delete()  # with its held images


def published(*, article):
    """The draft's changes were saved to the story: the draft is done."""
    for draft in StoryDraft.objects.filter(article_id=article.pk):
        draft.delete()


# How a saved draft differs from a form -----------------------------------------------


def _value(data, name):
    """A field of the story form's data as a comparable value."""
    if name == "published_at":
        return " ".join(v for v in data.getlist("published_at_0") + data.getlist("published_at_1"))
    if name == "authors":
        return sorted(int(v) for v in data.getlist("authors") if v.isdigit())
    if name == "section":
        value = data.get("section", "")
        return int(value) if value.isdigit() else None
    return data.get(name, "")


def _picks(data):
    """The Other news picks of a form's data, in their order, as readable lines."""
    total = data.get("related_links-TOTAL_FORMS", "0")
    picks = (_pick(data, f"related_links-{n}-") for n in range(_number(total)))
    rows = [pick for pick in picks if pick is not None]
    return [line for _position, line in sorted(rows, key=lambda row: row[0])]


def _number(value):
    return int(value) if value.isdigit() else 0


def _pick(data, prefix):
    """(position, readable line) of one Other news row of a form's data; None if empty."""
    target, url = data.get(prefix + "target", ""), data.get(prefix + "url", "")
    if data.get(prefix + "DELETE") or not (target or url):
        return None
    title = data.get(prefix + "title", "")
    if target.isdigit() and not title:
        title = Article.objects.filter(pk=int(target)).values_list("title", flat=True).first()
    return _number(data.get(prefix + "position", "0")), title or url


def differences(stored, sent):
    """Rows (label, in the saved draft, in the form) where the two differ."""
    rows = [row for row in (_difference(name, stored, sent) for name in COMPARED) if row]
    before, after = _picks(stored), _picks(sent)
    if before != after:
        rows.append((_("Other news picks"), "; ".join(before) or "—", "; ".join(after) or "—"))
    return rows


def _difference(name, stored, sent):
    """(label, in the saved draft, in the form) of field `name`, or None where they agree."""
    before, after = _value(stored, name), _value(sent, name)
    if before == after:
        return None
    if name == "tags":  # as typed: the form's own words
        label, shown = _("tags"), (before or "—", after or "—")
    elif name == "published_at":
        label, shown = Article._meta.get_field(name).verbose_name, (before or "—", after or "—")
    else:
        label = Article._meta.get_field(name).verbose_name
        shown = workflow.display_value(name, before), workflow.display_value(name, after)
    return (label, *shown) if shown[0] != shown[1] else None


# The story as a draft would make it -------------------------------------------------


def story_as_drafted(form, formsets):
    """What a preview of the draft shows, from its story form and formsets, bound and checked.

    `form.instance` becomes the story with the draft's fields (in memory, never saved);
    returns the tags, bylines, Other news picks and notices the draft gives it. A field
    the draft has in error shows its published value (its default in a story not saved yet,
    which the add form's preview shows the same way).
    """
    story, cleaned = form.instance, form.cleaned_data
    _show_held_images(form)
    kept = _kept_rows(formsets)
    links = sorted(kept[RelatedLink], key=lambda link: link.position)
    notices = sorted(kept[Notice], key=lambda notice: notice.noted_at, reverse=True)
    if notices and (story.revised_at is None or notices[0].noted_at > story.revised_at):
        story.revised_at = notices[0].noted_at
    if cleaned.get("significant_update"):
        story.revised_at = timezone.now()
    authors = cleaned["authors"] if "authors" in cleaned else _stored(story, "authors")
    return {
        "tags": _drafted_tags(story, cleaned),
        "authors": list(authors),
        "links": links,
        "notices": notices if story.revised_at else [],
    }


def _stored(story, name):
    """The story's stored tags or authors (`name`); none for a story not saved yet."""
    return list(getattr(story, name).all()) if story.pk is not None else []


def _show_held_images(form):
    """The story shows the draft's held images (copies with an address of their own)."""
    story = form.instance
    for name, widget in uploads.held_widgets(form):
        if widget.held is not None and name not in form.errors:
            setattr(story, name, widget.held.file.name)
    if "lead_image" in form.changed_data:
        story.lead_image_renditions = {}


def _drafted_tags(story, cleaned):
    """The draft's tags: those that exist, and unsaved ones for the names that do not."""
    if "tags" not in cleaned:
        return _stored(story, "tags")
    names = list(cleaned["tags"])
    known = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [known.get(name) or Tag(name=name, slug=slugify_uk(name) or "tag") for name in names]


def _kept_rows(formsets):
    """{model: [instances]} of the formsets' rows the draft keeps (none in error or deleted)."""
    kept = {RelatedLink: [], Notice: []}
    for inline, formset in formsets:
        formset.is_valid()
        rows = [row for row in formset.forms if _kept(row)]
        kept.setdefault(inline.model, []).extend(row.instance for row in rows)
    return kept


def _kept(row):
    deleted = getattr(row, "cleaned_data", {}).get("DELETE")
    return not (row.errors or deleted) and bool(row.instance.pk or row.has_changed())
