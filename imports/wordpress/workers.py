"""What the import's helper processes and scratch files share."""

import os
import signal
import sqlite3
import tempfile


def _scratch_db(name, schema):
    """(temporary folder, connection) of a SQLite file the run keeps to itself: no journal,
    no syncing (it goes with the run)."""
    folder = tempfile.TemporaryDirectory(prefix="wordpress-import-")
    db = sqlite3.connect(os.path.join(folder.name, name))
    db.executescript(f"PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; {schema}")
    return folder, db


def _as_worker():
    """A worker process stops with the importing process: Ctrl-C is its to handle, and
    (on Linux) a worker is sent SIGTERM when it is gone however it went."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
