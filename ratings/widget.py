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
from ratings.services import Result

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


# The numbers' places in a block rendered once per language and kind (ratings._pattern)
SUMMARY_SLOT = "__ratings_summary__"
AVERAGE_SLOT = "__ratings_average__"
VOTES_SLOT = "__ratings_votes__"
FILL_SLOT = "__ratings_fill_{}__"


@functools.lru_cache(maxsize=1024)
def _widget_html(label, pk, field, language, count, total, signed_in):
    """The block for exact numbers, from the pattern of its language and kind: a story
    page's miss fills in its numbers rather than rendering the block for them. The blocks
    of the objects read most are kept as filled in: a stored page's live part repeats the
    same block until its score changes."""
    options = options_for(apps.get_model(label), field)
    score = Result(count, total, None)
    pattern = _pattern(label, field, language, bool(count), signed_in)
    html = pattern.replace(PK_SLOT, str(pk))
    html = html.replace(SUMMARY_SLOT, escape(_summary(score, options.range)))
    html = html.replace(AVERAGE_SLOT, escape(format_average(score.average)))
    html = html.replace(VOTES_SLOT, escape(votes_label(count)) if count else "")
    for value, fill in enumerate(star_fills(score.average, options.range), start=1):
        html = html.replace(FILL_SLOT.format(value), fill)
    return html


@functools.lru_cache(maxsize=64)
def _pattern(label, field, language, voted, signed_in):
    """The block of `language` with slots for the object's id and its numbers (`voted`:
    with a count of votes, else "no ratings yet"), rendered once per process."""
    target = apps.get_model(label)(pk=PK_SLOT)
    user = _SignedIn() if signed_in else AnonymousUser()
    token = CSRF_SLOT if signed_in else None
    context = widget_context(
        target, Result(1 if voted else 0, 1, None), field=field, csrf_token=token, user=user
    )
    stars = [
        {"value": star["value"], "fill": FILL_SLOT.format(star["value"])}
        for star in context["stars"]
    ]
    context.update(
        stars=stars, summary=SUMMARY_SLOT, votes_label=VOTES_SLOT, average_display=AVERAGE_SLOT
    )
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


def star_fills(average, stars):
    """Each star's look for an average: "full", "half" or "empty"."""
    shapes = []
    for n in range(1, stars + 1):
        fill = max(0.0, min(1.0, average - (n - 1)))
        shapes.append("full" if fill >= 0.75 else "half" if fill >= 0.25 else "empty")
    return shapes


def _summary(score, stars):
    """ "4,5 з 5", or "Ще немає оцінок" for an object nobody rated."""
    if not score.count:
        return _("No ratings yet")
    return _("%(average)s of %(max)d") % {"average": format_average(score.average), "max": stars}


def widget_context(target, score, *, field="rating", csrf_token=None, user=None):
    options = options_for(type(target), field)
    label = target._meta.label_lower
    average = score.average
    fills = star_fills(average, options.range)
    summary = _("%(average)s of %(max)d")
    return {
        "target": target,
        "options": options,
        "average": average,
        "count": score.count,
        "stars": [{"value": n, "fill": fill} for n, fill in enumerate(fills, start=1)],
        "average_display": format_average(average),
        "summary": _summary(score, options.range),
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
