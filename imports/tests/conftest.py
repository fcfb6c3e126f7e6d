"""The project's shared fixtures (a media folder of each test's own, caches emptied…)."""

from tests.conftest import *  # noqa: F403
