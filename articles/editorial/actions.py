"""The publishing actions of the story form: what an Author and an Editor do to a story.

The form has no status drop-down: each button posts a named action (`_action`), mapped
here to the status the save asks for. The save then goes through the workflow
(workflow.save_edit), whose rules hold whatever is posted; an action the user may not
take on this story is refused here first, with a message saying why.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.editorial import workflow
from articles.models import Article

DRAFT, REVIEW, PUBLISHED = Article.Status.DRAFT, Article.Status.REVIEW, Article.Status.PUBLISHED

# action: (the status it asks for, the button's label, what it does, in a tooltip)
ACTIONS = {
    "review": (REVIEW, _("Send for review"), _("An editor reads it and publishes it.")),
    "draft": (DRAFT, _("Return to drafts"), _("Readers do not see it; it can be changed.")),
    "publish": (PUBLISHED, _("Publish"), _("Readers see it now.")),
    "schedule": (
        PUBLISHED,
        _("Schedule"),
        _("It goes out at the publish time set in the form (Kyiv time)."),
    ),
    "unpublish": (DRAFT, _("Unpublish"), _("Readers no longer see it; it becomes a draft.")),
}
NOT_YOURS_TO_TAKE = _("This action is not available to you on this story.")
UNKNOWN = _("Unknown action: nothing was saved.")
NEEDS_FUTURE_TIME = _("To schedule the story, set a publish time in the future.")


def stage(article):
    """Where a stored story is: 'new', 'draft', 'review', 'scheduled' or 'live'."""
    if article is None or article.pk is None:
        return "new"
    if article.status == PUBLISHED:
        return "scheduled" if article.published_at > timezone.now() else "live"
    return article.status


# The actions each stage offers: (everyone who may change the story, editors only)
OFFERED = {
    "new": (["review"], ["publish", "schedule"]),
    "draft": (["review"], ["publish", "schedule"]),
    "review": (["draft"], ["publish", "schedule"]),
    "scheduled": ([], ["publish", "schedule", "unpublish"]),
    "live": ([], ["unpublish"]),
}


def available(user, article):
    """The actions `user` may take on the stored `article` (None for a new story)."""
    everyone, editors = OFFERED[stage(article)]
    if workflow.can_publish(user):  # an editor publishes without sending it to themselves
        return [action for action in everyone if action != "review"] + editors
    return list(everyone)


def status_for(action, user, article, publish_time):
    """The status the `action` asks for; raises workflow.NotAllowed with the reason when
    `user` may not take it on the stored `article`, or it cannot be taken as sent."""
    if action not in ACTIONS:
        raise workflow.NotAllowed(str(UNKNOWN))
    if action not in available(user, article):
        if action in ("publish", "schedule") and not workflow.can_publish(user):
            raise workflow.NotAllowed(str(workflow.ONLY_EDITORS_PUBLISH))
        raise workflow.NotAllowed(str(NOT_YOURS_TO_TAKE))
    if action == "schedule" and (publish_time is None or publish_time <= timezone.now()):
        raise workflow.NotAllowed(str(NEEDS_FUTURE_TIME))
    return ACTIONS[action][0]


def buttons(user, article):
    """[(action, label, tooltip)] for the form's action bar."""
    return [(action, *ACTIONS[action][1:]) for action in available(user, article)]


# The label of the plain save (`_save`), which keeps the story where it is.
SAVE_LABELS = {
    "new": _("Save the draft"),
    "draft": _("Save the draft"),
    "review": _("Save"),
    "scheduled": _("Save"),
    "live": _("Update on the site"),
}


def save_label(article):
    return SAVE_LABELS[stage(article)]
