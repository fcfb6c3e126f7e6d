"""The project's shared fixtures (a media folder of each test's own, caches emptied…), and
the WordPress import's: a copy of an old site's uploads, an HTTP server serving it."""

import http.server
import threading

import pytest

from imports.tests.wordpress import UPLOADS, make_image
from tests.conftest import *  # noqa: F403


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old site's wp-content/uploads: originals only, no size variants."""
    root = tmp_path / "uploads"
    for rel in UPLOADS:
        make_image(root / rel)
    return root


@pytest.fixture
def image_server(uploads):
    """An HTTP server on 127.0.0.1 serving the uploads copy: a target an export could name."""
    served = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(uploads.parent), **kwargs)

        def translate_path(self, path):
            served.append(path)
            return super().translate_path(path.replace("/wp-content/uploads/", "/uploads/", 1))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()
    server.server_close()
