"""System tests (browsers, servers, replicas, Varnish, production settings); their
fixtures are in the root conftest.py, shared with the apps' own tests."""

from tests.support import IN_CI, require_postgres, require_redis  # noqa: F401
