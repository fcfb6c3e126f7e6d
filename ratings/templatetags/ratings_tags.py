from django import template

from ratings.widget import format_average, votes_label

register = template.Library()


@register.simple_tag
def votes_count(count):
    """'5 голосів': the vote count with its plural form."""
    return votes_label(count or 0)


@register.simple_tag
def average_label(average, max_score=5):
    """'4,5 з 5': an average out of the maximum score."""
    from django.utils.translation import gettext as _

    return _("%(average)s of %(max)d") % {"average": format_average(average or 0), "max": max_score}
