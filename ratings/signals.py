"""Signals other apps listen to: the ratings app knows nothing of them."""

from django.dispatch import Signal

# Sent after a change to an object's score has committed (a vote cast, changed or
# deleted, a repair by recompute): model, object_id and field. An HTTP cache in front of
# the site listens to purge the pages that show the score.
score_changed = Signal()
