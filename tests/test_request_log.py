"""gunicorn's own access line left out: the app logs each request itself."""

import logging

from gunicorn.config import Config

from newsroom.gunicorn_logger import GunicornLogger


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
