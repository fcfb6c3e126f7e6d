"""A real varnishd with the shipped configuration, in front of app servers started by a test."""

import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_VCL = ROOT / "deploy" / "varnish" / "default.vcl"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"


def vcl_for(backend_ports):
    """The shipped VCL with one backend per port in its director (what a deployment edits)."""
    text = SHIPPED_VCL.read_text()
    backend = re.search(r"^backend app1 \{.*?^\}\n", text, re.M | re.S).group(0)
    assert '.port = "8000";' in backend and "servers.add_backend(app1);" in text
    backends = "".join(
        backend.replace("app1", f"app{n}").replace('"8000"', f'"{port}"')
        for n, port in enumerate(backend_ports, 1)
    )
    added = "\n    ".join(f"servers.add_backend(app{n});" for n in range(1, len(backend_ports) + 1))
    return text.replace(backend, backends).replace("servers.add_backend(app1);", added)


class Varnish:
    """varnishd in the foreground, on a free port, with its own work directory."""

    def __init__(self, backend_ports, port=None, params=()):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="newsroom-varnish-"))
        vcl = self.workdir / "default.vcl"
        vcl.write_text(vcl_for(backend_ports))
        self.process = subprocess.Popen(
            [
                VARNISHD,
                "-F",
                "-j",
                "none",
                "-n",
                str(self.workdir / "n"),
                "-a",
                f"127.0.0.1:{self.port}",
                "-f",
                str(vcl),
                "-s",
                "malloc,64m",
                "-p",
                "vcc_allow_inline_c=off",
                *(arg for param in params for arg in ("-p", param)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

        def listening():
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()

        if not wait_until_up(self.process, listening, pause=0.1):
            self.stop()
            raise RuntimeError("varnishd did not start")
        # the backend probe needs a few rounds before the backend counts as healthy
        self.wait_until_healthy()

    def wait_until_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # as readers come, through TLS (app servers may redirect plain HTTP)
            https = {"X-Forwarded-Proto": "https"}
            if requests.get(self.url + "/robots.txt", headers=https, timeout=5).status_code == 200:
                return
            time.sleep(0.3)
        raise RuntimeError("the backend never became healthy behind varnish")

    def get(self, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        return requests.get(self.url + path, **kwargs)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
