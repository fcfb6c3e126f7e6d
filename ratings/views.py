"""The vote endpoint: POST a score, get a 303 back to the page or JSON.

Anonymous readers vote from pages that every reader shares (and an HTTP cache stores),
so the form carries no CSRF token: cross-site requests are refused by their Fetch
Metadata and Origin headers instead (django-modern-csrf, the rules of Go's
CrossOriginProtection). A signed-in user's page is their own, and their vote must also
carry Django's CSRF token, as every other form of theirs does.
"""

import uuid

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from modern_csrf.decorators import csrf_protect as cross_origin_protect

from ratings import services, targets
from ratings.widget import MESSAGE_TAG

VOTER_COOKIE = "nr_voter"
VOTER_SALT = "ratings.voter"
VOTED_COOKIE = "nr_voted"  # readable by the widget's script: "this reader has voted somewhere"
COOKIE_AGE = 2 * 365 * 24 * 3600


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _target(label, object_id, field):
    """(object, options) of a rated field's object readers may see; Http404 if none."""
    try:
        model, options, pk = targets.find(label, object_id, field)
    except services.VoteError as exc:
        raise Http404(exc.message) from None
    target = targets.load(model, options, pk)
    if target is None:
        raise Http404(_("Unknown object."))
    return target, options


def _voter(request):
    """The voter for this request, and a new cookie id when an anonymous reader has none."""
    if request.user.is_authenticated:
        return services.Voter(user_id=request.user.pk), None
    try:
        cookie_id = request.get_signed_cookie(VOTER_COOKIE, salt=VOTER_SALT)
        new_id = None
    except (KeyError, signing.BadSignature):
        cookie_id = new_id = uuid.uuid4().hex
    address = services.hash_address(services.client_address(request))
    return services.Voter(cookie_id=cookie_id, address_hash=address), new_id


def json_vote(request, label, object_id, field):
    """The vote endpoint's JSON answer: the view's, and the one given ahead of Django
    (ratings.direct) to an anonymous reader's vote. Never cached; on success the voter's
    cookies are set. The object is checked by key: its row is never loaded."""
    try:
        model, options, pk = targets.find(label, object_id, field)
        voter, new_id = _voter(request)
        score = services.parse_score(request.POST.getlist("score"), options)
        result = services.cast_vote_by_key(model, pk, field=field, voter=voter, score=score)
    except services.VoteError as exc:
        response = _json_error(exc)
    else:
        response = JsonResponse(result.as_json())
        _set_voter_cookies(request, response, new_id)
    add_never_cache_headers(response)
    return response


def _set_voter_cookies(request, response, new_id):
    if new_id:
        response.set_signed_cookie(
            VOTER_COOKIE,
            new_id,
            salt=VOTER_SALT,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    response.set_cookie(
        VOTED_COOKIE, "1", max_age=COOKIE_AGE, samesite="Lax", secure=request.is_secure()
    )


def _json_error(exc):
    response = JsonResponse({"error": str(exc.message)}, status=exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _error(request, exc, target=None):
    if wants_json(request):
        return _json_error(exc)
    response = render(
        request,
        "ratings/vote_error.html",
        {"message": exc.message, "target": target},
        status=exc.status,
    )
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _signed_in_token_check(view):
    """Django's token CSRF check for signed-in users; anonymous readers have no token."""

    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            request.csrf_processing_done = False  # the cross-origin check set it
            refused = CsrfViewMiddleware(view).process_view(request, None, args, kwargs)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return wrapper


def vote_protection(view):
    """No cross-site votes (Fetch Metadata, Origin); Django's token for signed-in users."""
    return csrf_exempt(cross_origin_protect(_signed_in_token_check(view)))


@vote_protection
@never_cache
@require_POST
def vote(request, label, object_id, field):
    """Cast or change a vote. 303 to the page, or JSON with Accept: application/json."""
    if wants_json(request):
        return json_vote(request, label, object_id, field)
    try:
        target, options = _target(label, object_id, field)
    except Http404 as exc:
        return _error(request, services.VoteError(str(exc), status=404))
    voter, new_id = _voter(request)
    try:
        score = services.parse_score(request.POST.getlist("score"), options)
        services.cast_vote(target=target, field=field, voter=voter, score=score)
    except services.VoteError as exc:
        return _error(request, exc, target)
    thanks = _("Thank you! Your score: %(score)d.") % {"score": score}
    messages.success(request, thanks, extra_tags=MESSAGE_TAG)
    response = HttpResponseRedirect(target.get_absolute_url() + "#rating", status=303)
    _set_voter_cookies(request, response, new_id)
    return response


@vote_protection
@never_cache
@require_POST
def unvote(request, label, object_id, field):
    """Remove the reader's vote, where the rated field allows it."""
    try:
        target, _options = _target(label, object_id, field)
    except Http404 as exc:
        return _error(request, services.VoteError(str(exc), status=404))
    voter, _new = _voter(request)
    try:
        result = services.delete_vote(target=target, field=field, voter=voter)
    except services.VoteError as exc:
        return _error(request, exc, target)
    if wants_json(request):
        return JsonResponse(result.as_json())
    messages.success(request, _("Your vote was removed."))
    return HttpResponseRedirect(target.get_absolute_url() + "#rating", status=303)


@never_cache
@require_GET
def mine(request, label, object_id, field):
    """The current average and count, and this reader's own score: private, never cached."""
    try:
        model, _options, pk = targets.find(label, object_id, field)
    except services.VoteError as exc:
        raise Http404(exc.message) from None
    voter, _new = _voter(request)
    result = services.current(target=model(pk=pk), field=field, voter=voter)
    response = JsonResponse(result.as_json())
    response["Cache-Control"] = "private, no-store"
    return response
