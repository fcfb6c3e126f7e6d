import functools
from decimal import Decimal

from django import template
from django.apps import apps
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ratings.registry import options_for

register = template.Library()


def votes_label(count):
    """'1 голос', '2 голоси', '5 голосів' in Ukrainian; '1 vote', '2 votes' in English."""
    return ngettext("%(count)d vote", "%(count)d votes", count) % {"count": count}


def format_average(average):
    """4.5 -> "4,5" in Ukrainian, "4.5" in English; at most two decimals, no trailing zeros."""
    return formats.number_format(Decimal(f"{average:.2f}").normalize() + 0)


@register.inclusion_tag("ratings/rating_widget.html", takes_context=True)
def rating_widget(context, target, score, key="rating"):
    """The Average rating block: stars, exact average, vote count and the vote form."""
    return widget_context(
        target, score, key=key, csrf_token=context.get("csrf_token"), user=context.get("user")
    )


CSRF_SLOT = "__newsroom_csrf_token__"


@functools.lru_cache(maxsize=4096)
def _widget_html(label, pk, key, language, count, total, signed_in):
    """The rating block for exact numbers; the numbers are in the key, so it never goes stale."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    from ratings.services import Result

    target = apps.get_model(label)(pk=pk)
    user = _SignedIn() if signed_in else AnonymousUser()
    context = widget_context(target, Result(count, total, None), key=key, csrf_token=CSRF_SLOT,
                             user=user)  # fmt: skip
    return render_to_string("ratings/rating_widget.html", context)


class _SignedIn:
    is_authenticated = True


def render_widget(request, model, object_id, score, key="rating"):
    """The rating block of a `model` object as HTML for this request (its CSRF token, its user).

    The HTML for given numbers is rendered once per process; only this reader's CSRF
    token is put in per request.
    """
    from django.middleware.csrf import get_token
    from django.utils.translation import get_language

    html = _widget_html(
        model._meta.label_lower, object_id, key, get_language(), score.count, score.total,
        request.user.is_authenticated,
    )  # fmt: skip
    return html.replace(CSRF_SLOT, get_token(request))


def widget_context(target, score, *, key="rating", csrf_token=None, user=None):
    options = options_for(type(target), key)
    label = target._meta.label_lower
    average = score.average
    stars = []
    for n in range(1, options.range + 1):
        fill = max(0.0, min(1.0, average - (n - 1)))
        shape = "full" if fill >= 0.75 else "half" if fill >= 0.25 else "empty"
        stars.append({"value": n, "fill": shape})
    return {
        "target": target,
        "options": options,
        "average": average,
        "count": score.count,
        "stars": stars,
        "average_display": format_average(average),
        "summary": _("%(average)s of %(max)d")
        % {"average": format_average(average), "max": options.range},
        "votes_label": votes_label(score.count),
        "vote_url": reverse("ratings:vote", args=[label, target.pk, key]),
        "mine_url": reverse("ratings:mine", args=[label, target.pk, key]),
        "csrf_token": csrf_token,
        # Plural forms and phrases for the script that updates the block in place.
        "plural_forms": {
            form: votes_label(n).replace(str(n), "{n}", 1)
            for form, n in (("one", 1), ("few", 2), ("many", 5), ("other", 5))
        },
        "summary_pattern": _("%(average)s of %(max)d").replace("%(average)s", "{avg}")
        % {"max": options.range},
        "your_pattern": _("Your score: %(score)s.").replace("%(score)s", "{score}"),
        "thanks_pattern": _("Thank you! Average %(summary)s, %(votes)s.")
        .replace("%(summary)s", "{summary}")
        .replace("%(votes)s", "{votes}"),
        "allow_anonymous": options.allow_anonymous,
        "user": user,
    }


@register.simple_tag
def votes_count(count):
    return votes_label(count or 0)


@register.simple_tag
def average_label(average, max_score=5):
    return _("%(average)s of %(max)d") % {"average": format_average(average or 0), "max": max_score}
