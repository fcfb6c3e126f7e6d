"""Casting and removing votes: the only code that writes votes and scores.

A rated field of a model is named by `field` ("rating"); a voter is a signed-in user or
an anonymous reader's `cookie_id`. Deleting a Vote row by any path (a user deleted, the
admin, a queryset) keeps its object's score exact through the post_delete receiver below.
"""

import hashlib
import hmac
import ipaddress
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratings import cache as score_cache
from ratings import ranking, rows
from ratings.conf import setting
from ratings.models import Score, Vote
from ratings.registry import options_for
from ratings.signals import score_changed

NOT_RATABLE = _("This cannot be rated.")
SCORE_MISSING = _("Choose a score.")
SCORE_NOT_INTEGER = _("The score must be a whole number.")
SCORE_OUT_OF_RANGE = _("The score must be from 1 to %(max)d.")
SCORE_GIVEN_TWICE = _("Give one score only.")
ANONYMOUS_NOT_ALLOWED = _("Sign in to vote.")
CHANGE_NOT_ALLOWED = _("You have already voted and votes cannot be changed.")
DELETE_NOT_ALLOWED = _("Votes cannot be removed.")
NO_VOTE = _("You have not voted.")
TOO_MANY_VOTES = _("Too many votes from your network. Try again later.")
RATE_WINDOW = timedelta(hours=1)


class VoteError(Exception):
    status = 400

    def __init__(self, message, *, status=None, retry_after=None):
        super().__init__(str(message))
        self.message = message
        self.status = status or self.status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Voter:
    """Who votes: a signed-in user, or an anonymous reader's cookie id (and address hash)."""

    user_id: int | None = None
    cookie_id: str | None = None
    address_hash: str | None = None

    @property
    def is_anonymous(self):
        return self.user_id is None


@dataclass(frozen=True)
class Result:
    count: int
    total: int
    your_score: int | None

    @property
    def average(self):
        return round(self.total / self.count, 2) if self.count else 0.0

    def as_json(self):
        return {"average": self.average, "count": self.count, "your_score": self.your_score}


def address_group(address):
    """The unit one client controls: an IPv4 address, or an IPv6 /64 network.

    One IPv6 subscriber gets a whole /64 and can use any address in it; an IPv4-mapped
    IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hash_address(address):
    """A keyed hash of a client's address group; the address itself is never stored."""
    if not address:
        return None
    key = setting("RATINGS_ADDRESS_HASH_KEY").encode()
    return hmac.new(key, address_group(address).encode(), hashlib.sha256).hexdigest()


def client_address(request):
    """The client's address; X-Forwarded-For is believed only from a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = [
        ipaddress.ip_network(net, strict=False) for net in setting("RATINGS_TRUSTED_PROXIES")
    ]

    def is_trusted(addr):
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    if not trusted or not is_trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    # Walk from the nearest hop back; the first address not one of ours is the client.
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


def parse_score(values, options):
    """Validate the submitted `score` values (a list, as from QueryDict.getlist)."""
    if not values:
        raise VoteError(SCORE_MISSING)
    if len(values) > 1:
        raise VoteError(SCORE_GIVEN_TWICE)
    raw = str(values[0]).strip()
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 6:
        raise VoteError(SCORE_NOT_INTEGER)
    score = int(raw)
    if not 1 <= score <= options.range:
        raise VoteError(SCORE_OUT_OF_RANGE % {"max": options.range})
    return score


def _voter_filter(voter):
    return {"user_id": voter.user_id} if voter.user_id else {"cookie_id": voter.cookie_id}


def _lookup(model, field):
    options = options_for(model, field)
    if options is None:
        raise VoteError(NOT_RATABLE, status=404)
    return options, ContentType.objects.get_for_model(model)


def _locked_score(content_type, object_id, field):
    """The object's Score row, created if needed, locked until the transaction ends."""
    where = {"content_type": content_type, "object_id": object_id, "field": field}
    locked = Score.objects.select_for_update().filter(**where).first()
    if locked is None:
        # a concurrent first voter may create it too: the unique constraint settles it
        Score.objects.bulk_create([Score(**where)], ignore_conflicts=True)
        locked = Score.objects.select_for_update().get(**where)
    return locked


def cast_vote(*, target, field, voter, score) -> Result:
    """Record or change a voter's score, keeping the object's count and sum exact."""
    return cast_vote_by_key(type(target), target.pk, field=field, voter=voter, score=score)


@transaction.atomic
def cast_vote_by_key(model, object_id, *, field, voter, score) -> Result:
    """cast_vote() for the `model` object with id `object_id`, which need not be loaded.

    The object's Score row is locked for the duration, so concurrent voters queue
    up instead of losing or double counting a vote.
    """
    options, content_type = _lookup(model, field)
    _check_vote(options, voter, score)
    # plain SQL (ratings.rows), the ORM's statements without compiling a QuerySet each
    locked, existing = _locked_row(content_type, object_id, field, voter)
    # The row is locked, so its count and total are current: the new ones follow from them.
    count, total = locked.count, locked.total
    if existing is not None and existing[1] == score:
        return Result(count, total, score)
    if existing is not None:
        total += _change_vote(existing, locked, options, score)
    else:
        where = {"content_type": content_type, "object_id": object_id, "field": field}
        _add_vote(where, locked, voter, score)
        count, total = count + 1, total + score
    _score_changed(locked, count, total)
    return Result(count, total, score)


def _locked_row(content_type, object_id, field, voter):
    """The object's Score (id, count, total, revision only), created if needed, locked
    until the transaction ends; and the voter's (vote id, score) or None, read under
    the lock."""
    ids = {"user_id": voter.user_id, "cookie_id": voter.cookie_id}
    row, existing = rows.locked_score_and_own_vote(content_type.pk, object_id, field, **ids)
    if row is None:
        locked = _locked_score(content_type, object_id, field)
        row = (locked.pk, locked.count, locked.total, locked.revision)
        existing = rows.own_vote(content_type.pk, object_id, field, **ids)
    pk, count, total, revision = row
    score = Score(
        pk=pk,
        content_type_id=content_type.pk,
        object_id=object_id,
        field=field,
        count=count,
        total=total,
        revision=revision,
    )
    return score, existing


def _check_vote(options, voter, score):
    """Refuse a score out of range, or an anonymous voter where they may not vote."""
    if not isinstance(score, int) or not 1 <= score <= options.range:
        raise VoteError(SCORE_OUT_OF_RANGE % {"max": options.range})
    if voter.is_anonymous and not (options.allow_anonymous and voter.cookie_id):
        raise VoteError(ANONYMOUS_NOT_ALLOWED, status=403)


def _change_vote(existing, locked, options, score):
    """Change a voter's score under the locked row; returns the change of the total."""
    if not options.can_change_vote:
        raise VoteError(CHANGE_NOT_ALLOWED, status=409)
    vote_id, was = existing
    rows.change_vote(vote_id, score, score_id=locked.pk, change=score - was)
    return score - was


def _add_vote(where, locked, voter, score):
    """A new voter's vote, within the address's limit, counted under the locked row."""
    _check_address_limit(where, voter)
    try:
        rows.insert_vote(
            where["content_type"].pk,
            where["object_id"],
            where["field"],
            score=score,
            user_id=voter.user_id,
            cookie_id=None if voter.user_id else voter.cookie_id,
            address_hash=voter.address_hash if voter.is_anonymous else None,
            score_id=locked.pk,
        )
    except IntegrityError as exc:
        # Not reachable while the Score row is locked; if it ever is, the whole
        # transaction rolls back and the voter is told, rather than counted twice.
        raise VoteError(CHANGE_NOT_ALLOWED, status=409) from exc


def _check_address_limit(where, voter):
    """Refuse (429) a new anonymous voter beyond RATINGS_VOTES_PER_ADDRESS in an hour."""
    limit = setting("RATINGS_VOTES_PER_ADDRESS")
    if not (voter.is_anonymous and voter.address_hash and limit > 0):
        return
    recent = rows.recent_from_address(
        where["content_type"].pk,
        where["object_id"],
        where["field"],
        voter.address_hash,
        since=timezone.now() - RATE_WINDOW,
        limit=limit,
    )
    if len(recent) >= limit:
        wait = int((recent[0] + RATE_WINDOW - timezone.now()).total_seconds()) + 1
        raise VoteError(TOO_MANY_VOTES, status=429, retry_after=max(wait, 1))


def _score_changed(locked, count, total):
    """After an update of the locked row: refresh the cached score, rankings and listeners.

    After the commit, the new score and the ranking version go to the cache together,
    in one round trip."""
    score_cache.changed(
        locked.content_type_id,
        locked.object_id,
        locked.field,
        revision=locked.revision + 1,
        count=count,
        total=total,
        also=ranking.version_written,
    )
    model = ContentType.objects.get_for_id(locked.content_type_id).model_class()

    def announce():
        score_changed.send(Score, model=model, object_id=locked.object_id, field=locked.field)

    transaction.on_commit(announce)


@transaction.atomic
def delete_vote(*, target, field, voter) -> Result:
    """Remove a voter's vote where the rated field allows it."""
    options, content_type = _lookup(type(target), field)
    if not options.allow_delete:
        raise VoteError(DELETE_NOT_ALLOWED, status=403)
    _locked_score(content_type, target.pk, field)
    where = {"content_type": content_type, "object_id": target.pk, "field": field}
    existing = Vote.objects.filter(**where, **_voter_filter(voter)).first()
    if existing is None:
        raise VoteError(NO_VOTE, status=404)
    existing.delete()  # the score follows in vote_deleted()
    count, total = Score.objects.values_list("count", "total").get(**where)
    return Result(count, total, None)


@receiver(post_delete, sender=Vote)
def vote_deleted(sender, instance, **kwargs):
    """Take a deleted vote out of its object's score, whatever deleted it."""
    with transaction.atomic():
        content_type = ContentType.objects.get_for_id(instance.content_type_id)
        locked = _locked_score(content_type, instance.object_id, instance.field)
        count = max(locked.count - 1, 0)
        total = max(locked.total - instance.score, 0)
        Score.objects.filter(pk=locked.pk).update(
            count=count, total=total, revision=F("revision") + 1
        )
        _score_changed(locked, count, total)


def current(*, target, field, voter=None) -> Result:
    """The object's count and sum (exact, see ratings.cache), and this voter's own score."""
    count, total = score_cache.score(type(target), target.pk, field)
    mine = None
    if voter is not None and (voter.user_id or voter.cookie_id):
        content_type = ContentType.objects.get_for_model(type(target))
        mine = (
            # the reader's own vote, from the primary: a replica may not have it yet
            Vote.objects.using(DEFAULT_DB_ALIAS)
            .filter(
                content_type=content_type, object_id=target.pk, field=field, **_voter_filter(voter)
            )
            .values_list("score", flat=True)
            .first()
        )
    return Result(count, total, mine)


def recompute(*, fix=False):
    """Compare every score with its votes; return the drifted ones, repaired when `fix`."""
    actual = {
        (row["content_type"], row["object_id"], row["field"]): (row["n"], row["s"])
        for row in Vote.objects.values("content_type", "object_id", "field").annotate(
            n=Count("id"), s=Sum("score")
        )
    }
    drifted = []
    seen = set()
    for score in Score.objects.all().iterator():
        ident = (score.content_type_id, score.object_id, score.field)
        seen.add(ident)
        votes = actual.get(ident, (0, 0))
        expected = (votes[0] + score.imported_count, votes[1] + score.imported_total)
        if (score.count, score.total) != expected:
            drifted.append((ident, (score.count, score.total), expected))
    for ident, expected in actual.items():
        if ident not in seen:
            drifted.append((ident, (0, 0), expected))
    if fix:
        with transaction.atomic():
            for (ct, obj, field), _was, _expected in drifted:
                content_type = ContentType.objects.get_for_id(ct)
                locked = _locked_score(content_type, obj, field)
                # counted again under the lock: votes cast since the scan are included
                row = Vote.objects.filter(content_type=ct, object_id=obj, field=field).aggregate(
                    n=Count("id"), s=Sum("score")
                )
                count = row["n"] + locked.imported_count
                total = (row["s"] or 0) + locked.imported_total
                Score.objects.filter(pk=locked.pk).update(
                    count=count, total=total, revision=F("revision") + 1
                )
                _score_changed(locked, count, total)
    return drifted


@transaction.atomic
def add_anonymous_votes(*, model, field, scores_by_object):
    """Record anonymous votes in bulk ({object id: [scores]}), with exact scores: demo data.

    Objects that already have a score are left alone. Returns the number of votes added.
    """
    content_type = ContentType.objects.get_for_model(model)
    taken = set(
        Score.objects.filter(
            content_type=content_type, field=field, object_id__in=scores_by_object
        ).values_list("object_id", flat=True)
    )
    votes, scores = [], []
    for object_id, values in scores_by_object.items():
        if object_id in taken or not values:
            continue
        where = {"content_type": content_type, "object_id": object_id, "field": field}
        votes += [Vote(**where, score=v, cookie_id=uuid.uuid4().hex) for v in values]
        scores.append(Score(**where, count=len(values), total=sum(values)))
    Vote.objects.bulk_create(votes, batch_size=2000)
    Score.objects.bulk_create(scores, batch_size=2000)
    if scores:
        transaction.on_commit(ranking.new_version)
    return len(votes)


def import_tallies(*, model, field, tallies, unseen=()) -> int:
    """Set the tally brought from another site, {object id: (count, total)}, of `model`'s `field`.

    Count and total stay the imported tally plus this site's votes; no Vote rows are
    made. Importing the same tally again changes nothing. Returns how many scores changed.
    `unseen`: ids of objects made in the caller's transaction, whose scores no reader can
    have cached (their cache entries are left alone).
    """
    _check_tallies(model, field, tallies)
    content_type = ContentType.objects.get_for_model(model)
    where = {"content_type": content_type, "field": field}
    existing = {
        score.object_id: score
        for score in Score.objects.select_for_update().filter(**where, object_id__in=list(tallies))
    }
    created = _create_scores(where, tallies, existing)
    changed = [s for s in existing.values() if _take_tally(s, *tallies[s.object_id])]
    Score.objects.bulk_update(
        changed, ["count", "total", "imported_count", "imported_total", "revision"], batch_size=1000
    )
    # a reader may have cached "no votes yet" for a new one: the ordered write replaces it
    unseen = set(unseen)
    for score in [*changed, *(s for s in created if s.object_id not in unseen)]:
        _publish(score, content_type, field)
    if changed or created:
        ranking.new_version()
        transaction.on_commit(ranking.new_version)
    return len(changed) + len(created)


def _check_tallies(model, field, tallies):
    options = options_for(model, field)
    if options is None:
        raise VoteError(NOT_RATABLE, status=404)
    for count, total in tallies.values():
        if count < 0 or not count <= total <= count * options.range:
            raise VoteError(SCORE_OUT_OF_RANGE % {"max": options.range})


def _create_scores(where, tallies, existing):
    """Rows with the tally for objects never scored yet; a concurrent first vote on one of
    them fails the unique constraint and the whole import rolls back."""
    created = [
        _imported_score(where, pk, count, total)
        for pk, (count, total) in tallies.items()
        if pk not in existing and count
    ]
    Score.objects.bulk_create(created, batch_size=1000)
    return created


def _imported_score(where, pk, count, total):
    return Score(
        **where,
        object_id=pk,
        count=count,
        total=total,
        imported_count=count,
        imported_total=total,
        revision=1,
    )


def _publish(score, content_type, field):
    score_cache.changed(
        content_type.pk,
        score.object_id,
        field,
        revision=score.revision,
        count=score.count,
        total=score.total,
    )


def _take_tally(score, count, total):
    """Replace the imported part of `score` with (count, total); False if it is the same."""
    if (score.imported_count, score.imported_total) == (count, total):
        return False
    score.count += count - score.imported_count
    score.total += total - score.imported_total
    score.imported_count, score.imported_total = count, total
    score.revision += 1
    return True


def anonymise(*, older_than_days):
    """Forget address hashes and cookie ids of votes older than N days; totals unchanged."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    return (
        Vote.objects.filter(created_at__lt=cutoff, user__isnull=True)
        .exclude(cookie_id__isnull=True, address_hash__isnull=True)
        .update(cookie_id=None, address_hash=None)
    )
