"""What every test may need to know of its surroundings: CI, PostgreSQL, Redis."""

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = bool(os.environ.get("CI"))


def require_postgres():
    """Skip (locally) or fail (in CI) when the database is not PostgreSQL."""
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://… (see README)"
        if IN_CI:
            pytest.fail(f"CI must run on PostgreSQL: {reason}")
        pytest.skip(reason)


def require_redis():
    if not settings.REDIS_URL:
        reason = "needs Redis: set REDIS_URL=redis://… (see README)"
        if IN_CI:
            pytest.fail(f"CI must run with Redis: {reason}")
        pytest.skip(reason)
