"""A private PostgreSQL primary with hot standbys, for the replica tests.

Made in a temporary folder with the server binaries of the machine's PostgreSQL, run as
the `postgres` user on free ports, and removed afterwards. The machine's own cluster is
never touched.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from tests.servers import free_port

OWNER = "postgres"


def server_bin():
    """The folder of initdb, pg_ctl and pg_basebackup, or None when there is no server."""

    def version(path):
        return [int(part) for part in Path(path).parts[-3].split(".") if part.isdigit()]

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def missing():
    """Why a private cluster cannot be made here, or an empty string."""
    if server_bin() is None:
        return "needs the PostgreSQL server binaries (apt-get install postgresql)"
    try:
        pwd.getpwnam(OWNER)
    except KeyError:
        return f"needs a {OWNER!r} system user to run PostgreSQL as"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != OWNER:
        return f"needs root or the {OWNER!r} user to start PostgreSQL servers"
    return ""


def _as_owner(*command, **kwargs):
    if pwd.getpwuid(os.geteuid()).pw_name != OWNER:
        command = ("runuser", "-u", OWNER, "--", *command)
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


class Server:
    """One postgres server of the cluster: the primary or a standby."""

    def __init__(self, cluster, name, port):
        self.cluster = cluster
        self.name = name
        self.port = port
        self.data = cluster.root / name
        self.log = cluster.root / f"{name}.log"

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        _as_owner(
            str(self.cluster.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self):
        """Stop at once, as a crash or a lost host would."""
        if (self.data / "postmaster.pid").exists():
            _as_owner(
                str(self.cluster.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "-w",
                "stop",
            )

    def connect(self, database="postgres"):
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def query(self, sql, params=(), database="postgres"):
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()


class Cluster:
    """A primary and `standbys` hot standbys streaming from it (pg_basebackup -R)."""

    SETTINGS = {
        "listen_addresses": "'127.0.0.1'",
        "wal_level": "replica",
        "max_wal_senders": "10",
        "hot_standby": "on",
        "max_connections": "60",
        "shared_buffers": "32MB",
        "fsync": "off",  # a throwaway cluster: speed over durability
        "full_page_writes": "off",
        "wal_receiver_status_interval": "1s",
        "log_min_messages": "warning",
    }

    def __init__(self, standbys=2):
        self.bin = server_bin()
        self.root = Path(tempfile.mkdtemp(prefix="newsroom-pgcluster-"))
        os.chmod(self.root, 0o755)
        shutil.chown(self.root, OWNER, OWNER)
        self.primary = Server(self, "primary", free_port())
        self.standbys = [Server(self, f"standby{n}", free_port()) for n in range(1, standbys + 1)]

    def start(self):
        _as_owner(
            str(self.bin / "initdb"),
            "-D",
            str(self.primary.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._configure(self.primary)
        self.primary.start()

    def add_standbys(self):
        """Clone the primary as it is now into each standby, and start them."""
        for standby in self.standbys:
            _as_owner(
                str(self.bin / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary.port),
                "-U",
                "postgres",
                "-D",
                str(standby.data),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
                "--no-sync",
            )
            self._configure(standby)
            standby.start()
        self.wait_caught_up()

    def _configure(self, server):
        lines = [f"{name} = {value}" for name, value in self.SETTINGS.items()]
        lines += [f"port = {server.port}", f"unix_socket_directories = '{self.root}'"]
        with open(server.data / "postgresql.conf", "a") as conf:
            conf.write("\n# newsroom tests\n" + "\n".join(lines) + "\n")

    def create_database(self, name):
        self.primary.query(f'CREATE DATABASE "{name}"')

    def primary_lsn(self):
        return int(self.primary.query("SELECT pg_current_wal_lsn() - '0/0'")[0])

    def replay_lsn(self, standby):
        return int(standby.query("SELECT pg_last_wal_replay_lsn() - '0/0'")[0])

    def wait_caught_up(self, timeout=60):
        """Until every running standby has replayed all the primary has written."""
        target = self.primary_lsn()
        deadline = time.monotonic() + timeout
        for standby in self.standbys:
            while self.replay_lsn(standby) < target:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{standby.name} did not catch up")
                time.sleep(0.05)

    def pause_replay(self, standby):
        standby.query("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 30
        while standby.query("SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{standby.name} did not pause")
            time.sleep(0.02)

    def resume_replay(self, standby):
        standby.query("SELECT pg_wal_replay_resume()")

    def is_running(self, server):
        try:
            server.query("SELECT 1")
        except psycopg2.OperationalError:
            return False
        return True

    def destroy(self):
        for server in [*self.standbys, self.primary]:
            try:
                server.stop()
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
