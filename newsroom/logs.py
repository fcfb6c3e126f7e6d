"""Log times in one zone with its offset: UTC, ISO 8601, milliseconds.

Django sets the process's zone to TIME_ZONE (Kyiv) when its settings load; gunicorn's
master logs before that. Every line says UTC with "+00:00", whoever writes it.
"""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter


def utc_time(record):
    """2026-12-06T04:25:53.120+00:00 for a log record."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return utc_time(record)


class UTCJsonFormatter(JsonFormatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return utc_time(record)
