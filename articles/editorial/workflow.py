"""The editorial workflow: who may do what to a story, review and publishing, no lost edits.

Authors (staff without the `publish_article` permission) write stories and change their
own while they are drafts or wait for review; once published a story is the editors'.
Editors publish, schedule and change every story. The admin asks these functions on
every form and every save, so each rule is written once and holds whatever a browser
sends.

Every save of a story raises its `version`; a form carries the version it was opened
at, and a save based on an older one is refused under the story's row lock, with who
saved meanwhile and what they changed.
"""

import time

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Version

from articles import services, text
from articles.models import Article, Author, RelatedLink, Section, StoryDraft
from articles.slugs import unique_slug

NOT_YOURS = gettext_lazy("This story is not yours: only its authors and the editors may change it.")
PUBLISHED_IS_EDITORS = gettext_lazy("A published story is changed by the editors.")
ONLY_EDITORS_PUBLISH = gettext_lazy(
    "Only editors can publish or schedule a story: send it for review instead."
)
STALE_FORM = gettext_lazy(
    "Someone else saved this story after you opened it. Nothing was saved: compare their "
    "changes below with yours, then save again."
)

PRESENCE_SECONDS = 300  # who opened a story in the last five minutes is shown to others
PRESENCE_KEY = "articles:presence:{pk}"

# The fields a conflict or a comparison of revisions shows, in the form's order.
COMPARED_FIELDS = (
    "title slug section authors source teaser body lead_image lead_image_alt "
    "lead_image_caption lead_image_credit status published_at seo_title meta_description "
    "social_image"
).split()


class NotAllowed(PermissionDenied):
    """A save this user may not make (answered with 403 when it reaches the save path)."""


class EditConflict(PermissionDenied):
    """A save based on an older version of the story than the one stored."""

    def __init__(self, *, article_id, based_on, current):
        super().__init__(str(STALE_FORM))
        self.article_id, self.based_on, self.current = article_id, based_on, current


def can_publish(user):
    return user.has_perm("articles.publish_article")


def can_change_any(user):
    return user.has_perm("articles.change_any_article")


def is_own(user, article):
    return Article.authors.through.objects.filter(
        article_id=article.pk, author__user_id=user.pk
    ).exists()


def refusal(user, article):
    """Why `user` may not change the stored `article`, or None when they may."""
    if article.pk is None or can_change_any(user):
        return None
    if article.status == Article.Status.PUBLISHED:
        return PUBLISHED_IS_EDITORS
    if not is_own(user, article):
        return NOT_YOURS
    return None


def may_change(user, article):
    return refusal(user, article) is None


def may_delete(user):
    return user.has_perm("articles.delete_article") and can_change_any(user)


def allowed_statuses(user):
    if can_publish(user):
        return list(Article.Status.values)
    return [Article.Status.DRAFT, Article.Status.REVIEW]


def visible_to(user, queryset):
    """The stories a user sees in the admin: Authors see their own and those readers see
    now (not another author's story waiting for its publish time)."""
    if can_change_any(user):
        return queryset
    own = Article.authors.through.objects.filter(author__user_id=user.pk).values("article_id")
    public = Q(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())
    return queryset.filter(Q(pk__in=own) | public)


def visible_tags(user, tags):
    """The tags of `tags` a user sees in the admin: Authors see those of the stories they
    see (a tag made for another author's draft or embargoed story names what is coming)."""
    if can_change_any(user):
        return tags
    stories = visible_to(user, Article.objects.all()).values("pk")
    return tags.filter(
        taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Article),
        taggit_taggeditem_items__object_id__in=stories,
    ).distinct()


def may_read_history(user, article):
    """Revisions hold text cut before publication: only editors and the story's own
    authors read them (history, comparisons, restoring)."""
    return can_change_any(user) or is_own(user, article)


def check_save(*, user, article, status, based_on, live_version=None):
    """Lock the stored story and refuse a save `user` may not make or that is out of date.

    Returns (the stored row or None for a new story, the version the save must be based
    on). `live_version` is the version before a revision being restored was put back.
    """
    current = None
    if article.pk is not None:
        current = Article.objects.select_for_update().filter(pk=article.pk).first()
    if current is not None and (reason := refusal(user, current)) is not None:
        raise NotAllowed(str(reason))
    if status not in allowed_statuses(user):
        raise NotAllowed(str(ONLY_EDITORS_PUBLISH))
    if current is None:
        return None, 0
    expected = current.version if live_version is None else live_version
    if based_on != expected:
        raise EditConflict(article_id=current.pk, based_on=based_on, current=expected)
    return current, expected


def _event(old_status, article, now):
    """The workflow step a save makes, in words for the story's history, or None."""
    status = article.status
    if status == old_status:
        return None
    if status == Article.Status.REVIEW:
        return _("Sent for review")
    if status == Article.Status.PUBLISHED:
        if article.published_at > now:
            moment = date_format(timezone.localtime(article.published_at), "DATETIME_FORMAT")
            return _("Scheduled for %(time)s") % {"time": moment}
        return _("Published")
    if old_status == Article.Status.PUBLISHED:
        return _("Unpublished")
    if old_status == Article.Status.REVIEW:
        return _("Returned to draft")
    return None


@transaction.atomic
def save_edit(
    *, article, user, based_on, live_version=None, significant=False, publish_time_chosen=False
):
    """Save a story through the workflow's rules; returns the step it made, in words, or None.

    Refuses (NotAllowed, EditConflict) a save the user may not make or that is based on
    an older version. A story published from a draft or from review goes out now unless
    the editor chose its time in this save; an Author's publish time is never kept.
    `significant` (editors, published stories) tells readers it was updated.
    """
    current, expected = check_save(
        user=user,
        article=article,
        status=article.status,
        based_on=based_on,
        live_version=live_version,
    )
    now = timezone.now()
    old_status = current.status if current else None
    _set_publish_time(article, current, user, now, chosen=publish_time_chosen)
    steps = [_event(old_status, article, now)]
    if article.status != Article.Status.PUBLISHED and current is not None:
        steps.append(_drop_drafts(article))
    if significant and old_status == Article.Status.PUBLISHED == article.status:
        article.revised_at = now
        steps.append(_("Marked as a significant update"))
    article.version = expected + 1
    services.save_story(article=article, user=user)  # slug history and its picture too
    return "; ".join(step for step in steps if step) or None


def _set_publish_time(article, current, user, now, *, chosen):
    """An Author's publish time is never kept (they cannot schedule); a story published in
    this save goes out now unless its time was chosen in it."""
    if not can_publish(user):
        article.published_at = current.published_at if current else now
    published_now = article.status == Article.Status.PUBLISHED != (current and current.status)
    if published_now and current is not None and not chosen:
        article.published_at = now  # a time stored before is no choice made in this save


def _drop_drafts(article):
    """A draft of changes keeps a story published: taking the story down, from whatever
    form, drops it (and its held images), so that nobody is later shown the editors' draft
    of a story that is no longer out. Returns the step in words, or None."""
    deleted, _by_model = StoryDraft.objects.filter(article_id=article.pk).delete()
    return _("Discarded the draft of changes") if deleted else None


@transaction.atomic
def finish_save(*, article, user):
    """After the bylines and inlines are saved: an Author's story keeps their byline, and
    a new notice moves the story's significant-update time (readers' dateModified)."""
    if not can_change_any(user):
        Article.authors.through.objects.get_or_create(article=article, author=byline_for(user))
    latest = article.notices.order_by("-noted_at").values_list("noted_at", flat=True).first()
    if latest and (article.revised_at is None or latest > article.revised_at):
        article.revised_at = latest
        Article.objects.filter(pk=article.pk).update(revised_at=latest)


@transaction.atomic
def changed_elsewhere(*, article_ids, user, comment):
    """Rows the story form carries (its notices) were written outside it: move each story
    to a new version, with a revision saying who and what, so that a story form opened
    before is refused (EditConflict) instead of putting the old rows back."""
    stories = Article.objects.select_for_update().filter(pk__in=set(article_ids)).order_by("pk")
    for story in stories:
        story.version += 1
        Article.objects.filter(pk=story.pk).update(version=story.version)
        with reversion.create_revision():
            reversion.add_to_revision(story)
            reversion.set_user(user)
            reversion.set_comment(comment)


def byline_for(user):
    """The user's Author byline, made from their name the first time they write."""
    try:
        return user.byline
    except Author.DoesNotExist:
        name = user.get_full_name() or user.get_username()
        slug = unique_slug(Author, name, fallback="author")
        return Author.objects.create(name=name, slug=slug, user=user)


# Who has a story open ----------------------------------------------------------------


def _name(user):
    return user.get_full_name() or user.get_username()


def note_presence(*, article, user):
    """Record that `user` has the story open; returns the others seen in the last minutes
    who may change it now (a reader of a story they cannot edit is not editing it)."""
    now = time.time()
    seen = _seen(article.pk, user, now)
    from django.contrib.auth import get_user_model

    others = get_user_model().objects.filter(pk__in=[uid for uid in seen if uid != user.pk])
    editing = {other.pk for other in others if other.is_active and may_change(other, article)}
    return [
        {"name": entry["name"], "minutes": max(1, -int((entry["at"] - now) // 60))}
        for uid, entry in sorted(seen.items(), key=lambda item: item[1]["at"])
        if uid in editing
    ]


def _seen(article_id, user, now):
    """{user id: {"name", "at"}} of those who had the story open lately, `user` now."""
    key = PRESENCE_KEY.format(pk=article_id)
    seen = {
        uid: entry
        for uid, entry in (cache.get(key) or {}).items()
        if now - entry["at"] < PRESENCE_SECONDS
    }
    seen[user.pk] = {"name": _name(user), "at": now}
    cache.set(key, seen, PRESENCE_SECONDS)
    return seen


# What changed -------------------------------------------------------------------------


def display_value(field_name, value):
    """A stored value as an editor reads it."""
    if value in (None, "", []):
        return "—"
    if field_name == "section":
        return Section.objects.filter(pk=value).values_list("name", flat=True).first() or value
    if field_name == "authors":
        names = Author.objects.filter(pk__in=value).values_list("name", flat=True)
        return ", ".join(sorted(names))
    if field_name == "status":
        return dict(Article.Status.choices).get(value, value)
    if field_name == "published_at":
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if field_name == "body":
        return text.html_to_text(value)
    return str(value)


def _links(version):
    """The Other news picks saved in a version's revision, as readable lines."""
    if version is None:
        return []
    link_type = ContentType.objects.get_for_model(RelatedLink)
    lines = []
    for link in version.revision.version_set.filter(content_type=link_type):
        data = link.field_dict
        target = data.get("target")
        title = Article.objects.filter(pk=target).values_list("title", flat=True).first()
        lines.append((data.get("position", 0), data.get("title") or title or data.get("url")))
    return [line for _position, line in sorted(lines, key=lambda item: item[0])]


def diff_versions(old, new):
    """Rows (label, old value, new value) of what differs between two stored versions."""
    old_fields = old.field_dict if old is not None else {}
    rows = [_changed_field(name, old_fields, new.field_dict) for name in COMPARED_FIELDS]
    rows = [row for row in rows if row]
    links_before, links_after = _links(old), _links(new)
    if links_before != links_after:
        rows.append(
            (_("Other news picks"), "; ".join(links_before) or "—", "; ".join(links_after) or "—")
        )
    return rows


def _changed_field(name, old_fields, new_fields):
    """(label, old value, new value) of a field two versions show differently, or None."""
    before, after = old_fields.get(name), new_fields.get(name)
    if name == "authors":
        before, after = sorted(before or []), sorted(after or [])
    if before == after:
        return None
    shown = display_value(name, before), display_value(name, after)
    if shown[0] == shown[1]:  # e.g. a time that differs only below the second shown
        return None
    return (Article._meta.get_field(name).verbose_name, *shown)


def keep_baseline(article):
    """A story never saved in the admin (imported, seeded) gets its stored state as its first
    revision when opened, so a later conflict or comparison can show what changed since."""
    if Version.objects.get_for_object(article).exists():
        return
    with reversion.create_revision():
        reversion.add_to_revision(article)
        reversion.set_comment(_("As stored before the first edit in the admin."))


def story_versions(article_id):
    return (
        Version.objects.get_for_object_reference(Article, article_id)
        .select_related("revision__user")
        .order_by("-pk")
    )


def conflict_details(*, article_id, based_on):
    """Who saved the story since version `based_on`, when, and what they changed."""
    versions = list(story_versions(article_id)[:50])
    newer, base = [], None
    for version in versions:
        number = version.field_dict.get("version", 0)
        if number > (based_on or 0):
            newer.append(version)
        elif base is None:
            base = version
    saves = [
        {
            "user": _name(v.revision.user) if v.revision.user else _("someone"),
            "at": v.revision.date_created,
            "comment": v.revision.get_comment(),
        }
        for v in reversed(newer)
    ]
    changes = diff_versions(base, newer[0]) if newer and base is not None else []
    return {"saves": saves, "changes": changes, "known": base is not None and bool(newer)}
