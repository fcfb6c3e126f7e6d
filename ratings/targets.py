"""What a vote is for: a rated field of a model, and an object readers may see, by key.

The vote endpoints name their object by label, id and field. Whether the object is one
readers may vote on is the registered `visible` queryset (RatingOptions.visible) asked
for that one id. Building and compiling that QuerySet for every vote costs about 300 µs
of CPU, the statement itself about 30: so each process compiles it once and runs the
compiled statement with the id, and the current time where the queryset compares with
"now" (as `published_at <= now` does). A queryset with any other parameter that changes
between two compilations is not kept, and is built for every vote as before.
"""

import functools
from datetime import datetime

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from ratings.registry import options_for
from ratings.services import VoteError

MARK = -727_272_727  # an id no object has: where the id goes among the parameters


def find(label, object_id, field):
    """(model, options, id) of a rated field's object readers may see; VoteError 404 if not.

    The checks are the database's own: the object is read from the primary, which a vote
    writes to (a story published a moment ago may not be on a replica yet).
    """
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise VoteError(_("Unknown object."), status=404) from None
    options = options_for(model, field)
    if options is None or not (object_id.isascii() and object_id.isdigit()) or len(object_id) > 18:
        raise VoteError(_("Unknown object."), status=404)
    pk = int(object_id)
    if not is_visible(model, options, pk):
        raise VoteError(_("Unknown object."), status=404)
    return model, options, pk


def is_visible(model, options, pk):
    """True when the object `pk` is in the field's `visible` queryset (every object without one)."""
    statement = _statement(model, options)
    if statement is None:
        return _queryset(model, options).filter(pk=pk).exists()
    sql, params, pk_at, now_at = statement
    params = list(params)
    params[pk_at] = pk
    if now_at:
        now = timezone.now()
        for index in now_at:
            params[index] = now
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _queryset(model, options):
    queryset = options.visible() if options.visible else model._default_manager.all()
    return queryset.using(DEFAULT_DB_ALIAS)


def _compiled(model, options):
    """(sql, params, time before, time after) of the visibility query of the id MARK."""
    before = timezone.now()
    queryset = _queryset(model, options).filter(pk=MARK).order_by().values_list("pk")[:1]
    after = timezone.now()
    sql, params = queryset.query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    return sql, list(params), before, after


@functools.cache
def _statement(model, options):
    """(sql, params, index of the id, indexes of "now") of the visibility query, compiled
    once; None when it cannot be kept (its parameters change other than with the time)."""
    sql, params, _before, first_after = _compiled(model, options)
    while timezone.now() <= first_after:
        pass  # the clock moves on (by a microsecond): "now" differs between the two
    again, params_again, before, after = _compiled(model, options)
    if again != sql or len(params_again) != len(params) or params.count(MARK) != 1:
        return None
    now_at = []
    for index, (first, second) in enumerate(zip(params, params_again, strict=True)):
        if first == second:
            continue
        if not (isinstance(second, datetime) and before <= second <= after):
            return None  # a parameter that changes, and not as the time does: build each time
        now_at.append(index)
    return sql, tuple(params_again), params.index(MARK), tuple(now_at)


def load(model, options, pk):
    """The object itself (what `visible` selects of it), None when readers cannot see it."""
    try:
        return _queryset(model, options).get(pk=pk)
    except model.DoesNotExist:
        return None
