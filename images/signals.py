"""The library's signals."""

from django.dispatch import Signal

# sent after commit when what pages show of an image changed: its renditions were made, or
# new stand-ins replace crops around an old focal point
renditions_changed = Signal()  # sender=Image, image=Image
