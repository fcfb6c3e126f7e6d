"""The project's shared fixtures (a media folder of each test's own, caches emptied…)."""

from tests.conftest import *  # noqa: F403
from tests.conftest import _isolated_cache_and_media, _ukrainian_by_default  # noqa: F401
