"""The request log line: one JSON object a line, the same whichever way it is written, and
gunicorn's own access line left out."""

import io
import json
import logging
import re

import pytest
from gunicorn.config import Config

from newsroom import logs, middleware
from newsroom.gunicorn_logger import GunicornLogger
from newsroom.logs import UTCFormatter, UTCJsonFormatter


def json_formatter(**changes):
    options = {
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        **changes,
    }
    return UTCJsonFormatter(**options)


@pytest.fixture
def stream(monkeypatch):
    """The request log written to a stream of its own, as production writes it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(json_formatter())
    logger = middleware.request_log
    monkeypatch.setattr(logger, "handlers", [handler])
    monkeypatch.setattr(logger, "propagate", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.manager._clear_cache()
    yield out, handler
    logger.manager._clear_cache()


def test_the_line_written_directly_is_the_line_logging_writes(stream, monkeypatch):
    out, handler = stream
    middleware.request_log.handlers[:] = [handler]  # without pytest's capturing handlers
    monkeypatch.setattr(middleware.time, "perf_counter", lambda: 10.0125)
    monkeypatch.setattr(middleware.time, "time", lambda: 1_765_000_000.5)
    assert middleware._json_stream_handler() is handler
    args = ("GET", '/новини/"лапки"\\/', 304, "id-1", 10.0)
    middleware.request_line(*args)
    handler.addFilter(lambda record: True)  # now through logging.Logger and the formatter
    assert middleware._json_stream_handler() is None
    middleware.request_line(*args)
    direct, logged = out.getvalue().splitlines()
    assert direct == logged
    assert list(json.loads(direct).items()) == [
        ("time", "2025-12-06T05:46:40.500+00:00"),
        ("level", "INFO"),
        ("logger", "newsroom.request"),
        ("message", 'GET /новини/"лапки"\\/ 304 12.5 ms'),
        ("request_id", "id-1"),
        ("method", "GET"),
        ("path", '/новини/"лапки"\\/'),
        ("status", 304),
        ("duration_ms", 12.5),
    ]


@pytest.mark.parametrize(
    "formatter",
    [
        json_formatter(rename_fields={"asctime": "@timestamp"}),
        json_formatter(static_fields={"service": "newsroom"}),
        json_formatter(json_ensure_ascii=False),
        UTCFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"),
    ],
)
def test_any_other_format_goes_through_logging(stream, formatter):
    out, handler = stream
    handler.setFormatter(formatter)
    assert middleware._json_stream_handler() is None
    middleware.request_line("GET", "/", 200, "id-2", 0.0)
    assert re.search(r"GET / 200 \d+\.\d ms", out.getvalue())


def test_another_handler_a_level_above_info_or_a_disabled_logger_go_through_logging(stream):
    _out, handler = stream
    logger = middleware.request_log
    logger.handlers = [handler, logging.NullHandler()]
    assert middleware._json_stream_handler() is None
    logger.handlers = [handler]
    handler.setLevel(logging.WARNING)
    assert middleware._json_stream_handler() is None
    handler.setLevel(logging.NOTSET)
    logger.setLevel(logging.WARNING)
    assert middleware._json_stream_handler() is None
    logger.setLevel(logging.INFO)
    assert middleware._json_stream_handler() is handler


def test_the_check_of_a_formatter_is_made_once(monkeypatch):
    formatter = json_formatter()
    assert logs.writes_json_lines(formatter)
    monkeypatch.setattr(formatter, "format", lambda record: pytest.fail("checked again"))
    assert logs.writes_json_lines(formatter)


def test_gunicorn_builds_no_access_line_unless_one_is_asked_for(monkeypatch):
    built = []
    atoms = {"h": "127.0.0.1"}  # a mapping with something in it, as gunicorn's always has
    monkeypatch.setattr(GunicornLogger, "atoms", lambda self, *args: built.append(args) or atoms)
    logger = GunicornLogger.__new__(GunicornLogger)  # without setup(): logging stays as it is
    logger.cfg = Config()
    logger.cfg.set("logconfig_dict", {"version": 1})  # what makes gunicorn build the line
    logger._access_log_enabled = True
    logger.access_log = logging.getLogger("tests.gunicorn.access")
    logger.access(None, None, {}, None)
    assert built == []
    logger.cfg.set("accesslog", "-")
    logger.access(None, None, {}, None)
    assert len(built) == 1


def test_the_production_gunicorn_config_uses_that_logger():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "newsroom" / "gunicorn.conf.py").read_text()
    settings = {}
    exec(compile(text, "gunicorn.conf.py", "exec"), settings)  # noqa: S102 (our own config)
    assert settings["logger_class"] == "newsroom.gunicorn_logger.GunicornLogger"
    assert settings["accesslog"] is None
