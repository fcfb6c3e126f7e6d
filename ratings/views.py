"""The vote endpoint: POST a score, get a 303 back to the page or JSON."""

import uuid

from django.apps import apps
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ratings import services
from ratings.registry import options_for

VOTER_COOKIE = "nr_voter"
VOTER_SALT = "ratings.voter"
VOTED_COOKIE = "nr_voted"  # readable by the widget's script: "this reader has voted somewhere"
COOKIE_AGE = 2 * 365 * 24 * 3600


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _target(label, object_id, key):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404(_("Unknown object.")) from None
    options = options_for(model, key)
    if options is None or not object_id.isdigit() or len(object_id) > 18:
        raise Http404(_("Unknown object."))
    queryset = options.visible() if options.visible else model._default_manager.all()
    try:
        return queryset.get(pk=int(object_id)), options
    except model.DoesNotExist:
        raise Http404(_("Unknown object.")) from None


def _voter(request):
    """The voter for this request, and a new cookie id when an anonymous reader has none."""
    if request.user.is_authenticated:
        return services.Voter(user_id=request.user.pk), None
    try:
        key = request.get_signed_cookie(VOTER_COOKIE, salt=VOTER_SALT)
        new_key = None
    except (KeyError, signing.BadSignature):
        key = new_key = uuid.uuid4().hex
    address = services.hash_address(services.client_address(request))
    return services.Voter(key=key, address_hash=address), new_key


def _error(request, exc, target=None):
    if wants_json(request):
        response = JsonResponse({"error": str(exc.message)}, status=exc.status)
    else:
        response = render(
            request,
            "ratings/vote_error.html",
            {"message": exc.message, "target": target},
            status=exc.status,
        )
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


@never_cache
@require_POST
def vote(request, label, object_id, key):
    """Cast or change a vote. 303 to the page, or JSON with Accept: application/json."""
    try:
        target, options = _target(label, object_id, key)
    except Http404 as exc:
        return _error(request, services.VoteError(str(exc), status=404))
    voter, new_key = _voter(request)
    try:
        score = services.parse_score(request.POST.getlist("score"), options)
        result = services.cast_vote(target=target, key=key, voter=voter, score=score)
    except services.VoteError as exc:
        return _error(request, exc, target)
    if wants_json(request):
        response = JsonResponse(result.as_json())
    else:
        messages.success(request, _("Thank you! Your score: %(score)d.") % {"score": score})
        response = HttpResponseRedirect(target.get_absolute_url() + "#rating", status=303)
    if new_key:
        response.set_signed_cookie(
            VOTER_COOKIE, new_key, salt=VOTER_SALT, max_age=COOKIE_AGE,
            httponly=True, samesite="Lax", secure=request.is_secure(),
        )  # fmt: skip
    response.set_cookie(
        VOTED_COOKIE, "1", max_age=COOKIE_AGE, samesite="Lax", secure=request.is_secure()
    )
    return response


@never_cache
@require_POST
def unvote(request, label, object_id, key):
    """Remove the reader's vote, where the rated field allows it."""
    try:
        target, _options = _target(label, object_id, key)
    except Http404 as exc:
        return _error(request, services.VoteError(str(exc), status=404))
    voter, _new = _voter(request)
    try:
        result = services.delete_vote(target=target, key=key, voter=voter)
    except services.VoteError as exc:
        return _error(request, exc, target)
    if wants_json(request):
        return JsonResponse(result.as_json())
    messages.success(request, _("Your vote was removed."))
    return HttpResponseRedirect(target.get_absolute_url() + "#rating", status=303)


@never_cache
@require_GET
def mine(request, label, object_id, key):
    """The current average and count, and this reader's own score: private, never cached."""
    target, _options = _target(label, object_id, key)
    voter, _new = _voter(request)
    result = services.current(target=target, key=key, voter=voter)
    response = JsonResponse(result.as_json())
    response["Cache-Control"] = "private, no-store"
    return response
