"""Log times in one zone with its offset: UTC, ISO 8601, milliseconds.

Django sets the process's zone to TIME_ZONE (Kyiv) when its settings load; gunicorn's
master logs before that. Every line says UTC with "+00:00", whoever writes it.

`json_line` writes the line UTCJsonFormatter makes of a record without making the record:
the request log (newsroom.middleware) uses it for every request when it would reach one
plain stream through that formatter alone, which `writes_json_lines` checks once per
formatter by formatting a sample both ways.
"""

import json
import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter


def utc_time(record):
    """2026-12-06T04:25:53.120+00:00 for a log record."""
    return utc_timestamp(record.created)


def utc_timestamp(created):
    """2026-12-06T04:25:53.120+00:00 for a time.time() value."""
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


class UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return utc_time(record)


class UTCJsonFormatter(JsonFormatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return utc_time(record)


def json_line(created, level, logger, message, fields):
    """The JSON line of a record (without a terminator), as the settings' "json" formatter
    writes it: time, level, logger, message, then `fields` (the record's extra) in order."""
    line = {"time": utc_timestamp(created), "level": level, "logger": logger, "message": message}
    line.update(fields)
    return json.dumps(line)


_checked = {}


def writes_json_lines(formatter):
    """True when `formatter` writes what json_line() does (checked once per formatter)."""
    known = _checked.get(formatter)
    if known is None:
        known = _checked[formatter] = _same_as_json_line(formatter)
    return known


def _same_as_json_line(formatter):
    if not isinstance(formatter, UTCJsonFormatter):
        return False
    fields = {"request_id": "a1", "method": "GET", "path": '/новини/"x"\\', "status": 200}
    fields["duration_ms"] = 1.5
    message = 'GET /новини/"x"\\ 200 1.5 ms'
    record = logging.makeLogRecord({"name": "newsroom.request", "msg": message, **fields})
    record.levelno, record.levelname, record.created = logging.INFO, "INFO", 1_765_000_000.25
    try:
        made = formatter.format(record)
    except Exception:  # noqa: BLE001 (any formatter that fails here is simply not ours)
        return False
    return made == json_line(record.created, "INFO", "newsroom.request", message, fields)
