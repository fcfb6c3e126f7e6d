"""What ops meet: the make targets' port and locks, and log times."""

import json
import logging
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from newsroom.logs import UTCFormatter, UTCJsonFormatter

ROOT = Path(__file__).resolve().parents[1]


def planned(*args):
    """The commands `make` would run, without running them."""
    result = subprocess.run(
        ["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.mark.skipif(not Path("/usr/bin/make").exists(), reason="make not installed")
def test_make_run_serves_on_the_port_named_by_port():
    assert "runserver 127.0.0.1:8000" in planned("run")
    assert "runserver 127.0.0.1:8123" in planned("run", "PORT=8123")


@pytest.mark.skipif(not Path("/usr/bin/make").exists(), reason="make not installed")
def test_make_serve_installs_the_production_lock_alone():
    plan = planned("serve")
    assert "-r requirements.lock" in plan
    assert "requirements-dev.lock" not in plan


def pinned(lock):
    """{normalised name: version} of the packages a lock file pins."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / lock).read_text(), re.M)
    return {name.lower().replace("_", "-"): version for name, version in found}


def test_the_production_lock_pins_every_runtime_dependency_as_the_dev_lock_does():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower().replace("_", "-")
        for spec in project["dependencies"]
    }
    production, development = pinned("requirements.lock"), pinned("requirements-dev.lock")
    assert sorted(wanted - production.keys()) == []  # `make serve` would not start without them
    assert {name: v for name, v in production.items() if development.get(name) != v} == {}


def record(message="started"):
    return logging.LogRecord("newsroom.request", logging.INFO, __file__, 1, message, (), None)


def test_log_times_are_utc_with_their_offset(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Kyiv")  # as Django leaves the process
    time.tzset()
    try:
        line = UTCFormatter("%(asctime)s %(message)s").format(record())
        stamp = line.split()[0]
        assert stamp.endswith("+00:00") and "T" in stamp and len(stamp) == 29
        data = json.loads(
            UTCJsonFormatter("%(asctime)s %(message)s", rename_fields={"asctime": "time"}).format(
                record()
            )
        )
        assert data["time"].endswith("+00:00")
    finally:
        monkeypatch.undo()
        time.tzset()
