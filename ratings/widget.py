"""The rating block: its HTML and context, for a page that every reader shares.

An anonymous reader's block holds nothing of theirs: the form needs no token (see
ratings.views) and their own score comes from a private request. A signed-in user's
block carries their CSRF token, as their other forms do.
"""

import functools
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ratings.registry import options_for

CSRF_SLOT = "__ratings_csrf_token__"
ANNOUNCE_SLOT = "__ratings_announce__"
PK_SLOT = "__ratings_object_id__"
MESSAGE_TAG = "rating"  # a vote's thanks without JavaScript: shown in the block, not atop the page


def votes_label(count):
    """'1 голос', '2 голоси', '5 голосів' in Ukrainian; '1 vote', '2 votes' in English."""
    return ngettext("%(count)d vote", "%(count)d votes", count) % {"count": count}


def format_average(average):
    """4.5 -> "4,5" in Ukrainian, "4.5" in English; at most two decimals, no trailing zeros."""
    return formats.number_format(Decimal(f"{average:.2f}").normalize() + 0)


class _SignedIn:
    is_authenticated = True


def _widget_html(label, pk, field, language, count, total, signed_in):
    """The block for exact numbers: they are in the key, so it never goes stale."""
    return _widget_for_any(label, field, language, count, total, signed_in).replace(
        PK_SLOT, str(pk)
    )


@functools.lru_cache(maxsize=4096)
def _widget_for_any(label, field, language, count, total, signed_in):
    """The block with PK_SLOT for the object's id: one rendering serves every object with
    the same numbers (a page-cache miss of a story with no votes renders none)."""
    from ratings.services import Result

    target = apps.get_model(label)(pk=PK_SLOT)
    user = _SignedIn() if signed_in else AnonymousUser()
    token = CSRF_SLOT if signed_in else None
    score = Result(count, total, None)
    context = widget_context(target, score, field=field, csrf_token=token, user=user)
    return render_to_string("ratings/rating_widget.html", context)


def render_widget(request, model, object_id, score, field="rating"):
    """The rating block of a `model` object for this request, as HTML."""
    signed_in = request.user.is_authenticated
    html = _widget_html(
        model._meta.label_lower,
        object_id,
        field,
        get_language(),
        score.count,
        score.total,
        signed_in,
    )
    if signed_in:
        html = html.replace(CSRF_SLOT, get_token(request))
    return html.replace(ANNOUNCE_SLOT, _thanks(request))


def _thanks(request):
    """The thanks for a vote cast without JavaScript (a message after its redirect), or "".

    A reader with a pending message is never served a stored page, so this is theirs alone.
    """
    storage = getattr(request, "_messages", None)
    if not storage:  # counting them does not mark them shown (which would send a cookie)
        return ""
    notes = [m for m in storage if MESSAGE_TAG in m.extra_tags.split()]
    return escape(" ".join(str(note) for note in notes))


def widget_context(target, score, *, field="rating", csrf_token=None, user=None):
    options = options_for(type(target), field)
    label = target._meta.label_lower
    average = score.average
    stars = []
    for n in range(1, options.range + 1):
        fill = max(0.0, min(1.0, average - (n - 1)))
        shape = "full" if fill >= 0.75 else "half" if fill >= 0.25 else "empty"
        stars.append({"value": n, "fill": shape})
    summary = _("%(average)s of %(max)d")
    shown = summary % {"average": format_average(average), "max": options.range}
    return {
        "target": target,
        "options": options,
        "average": average,
        "count": score.count,
        "stars": stars,
        "average_display": format_average(average),
        "summary": shown if score.count else _("No ratings yet"),
        "votes_label": votes_label(score.count),
        "vote_url": reverse("ratings:vote", args=[label, target.pk, field]),
        "mine_url": reverse("ratings:mine", args=[label, target.pk, field]),
        "csrf_token": csrf_token,
        "announce_slot": ANNOUNCE_SLOT,
        # Plural forms and phrases for the script that updates the block in place.
        "plural_forms": {
            form: votes_label(n).replace(str(n), "{n}", 1)
            for form, n in (("one", 1), ("few", 2), ("many", 5), ("other", 5))
        },
        "summary_pattern": summary.replace("%(average)s", "{avg}") % {"max": options.range},
        "your_pattern": _("Your score: %(score)s.").replace("%(score)s", "{score}"),
        "thanks_pattern": _("Thank you! Average %(summary)s, %(votes)s.")
        .replace("%(summary)s", "{summary}")
        .replace("%(votes)s", "{votes}"),
        "allow_anonymous": options.allow_anonymous,
        "user": user,
    }
