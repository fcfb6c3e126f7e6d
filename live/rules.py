"""Who may do what on a live page, by the story rules (articles.editorial.workflow).

Editors (who publish stories) post, edit, publish and delete every entry and open and
close live pages. An Author posts entries to the live pages that carry their byline, as
they change only their own stories; an Author's entry appears at once only when the desk
ticked "Authors publish without review" on that page, and waits for an editor otherwise,
as a story waits for review. Once published, an entry is the editors', as a published
story is; an Author changes their own entries only while they wait, and deletes none.
"""

from django.utils.translation import gettext_lazy as _

from articles.editorial.workflow import can_change_any, can_publish, is_own

NOT_YOUR_PAGE = _("Only the editors and the live page's own authors may post to it.")
COVERAGE_ENDED = _("The coverage has ended: reopen it to post.")
PUBLISHED_IS_EDITORS = _("A published entry is changed by the editors.")
NOT_YOUR_ENTRY = _("This entry is not yours: only its author and the editors may change it.")


def is_editor(user):
    return can_publish(user) and can_change_any(user)


def posting_refusal(user, coverage):
    """Why `user` may not post to `coverage` now, or None."""
    if not user.has_perm("live.add_liveentry"):
        return NOT_YOUR_PAGE
    if not coverage.is_running:
        return COVERAGE_ENDED
    if is_editor(user) or is_own(user, coverage.article):
        return None
    return NOT_YOUR_PAGE


def publishes_at_once(user, coverage):
    """True when an entry `user` posts appears on the page without an editor's say."""
    return is_editor(user) or coverage.authors_publish


def change_refusal(user, entry):
    """Why `user` may not change `entry`, or None."""
    if not user.has_perm("live.change_liveentry"):
        return NOT_YOUR_ENTRY
    if is_editor(user):
        return None
    if entry.author is None or entry.author.user_id != user.pk:
        return NOT_YOUR_ENTRY
    if entry.is_published:
        return PUBLISHED_IS_EDITORS
    return None


def may_delete(user):
    return user.has_perm("live.delete_liveentry") and is_editor(user)


def may_manage(user):
    """Open, close and configure live pages: the editors."""
    return user.has_perm("live.change_livecoverage") and is_editor(user)
