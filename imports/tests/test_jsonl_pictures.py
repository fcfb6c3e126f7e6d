"""import_articles' image field: a file under --media-dir or an address, into the library."""

import http.server
import json
import threading

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from images.models import Image
from images.tests.photos import photo


def write(tmp_path, records, name="stories.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    return str(path)


def story(slug, image):
    return {"title": f"Новина {slug}", "body": "Текст.", "slug": slug, "image": image}


@pytest.fixture
def media_dir(tmp_path):
    folder = tmp_path / "uploads"
    (folder / "2026").mkdir(parents=True)
    (folder / "2026" / "square.jpg").write_bytes(photo().read())
    (folder / "2026" / "notes.jpg").write_bytes(b"not a picture at all")
    return folder


def test_a_picture_under_the_media_folder_joins_the_library_once(db, tmp_path, media_dir):
    image = {"src": "2026/square.jpg", "alt": "Площа", "caption": "Київ", "credit": "УНІАН"}
    path = write(tmp_path, [story("persha", image), story("druha", image)])
    call_command("import_articles", path, media_dir=str(media_dir), verbosity=0)
    picture = Image.objects.get()
    assert (picture.alt, picture.caption, picture.credit) == ("Площа", "Київ", "УНІАН")
    first, second = Article.objects.order_by("slug")
    assert first.picture == second.picture == picture
    assert first.lead_image_credit == "УНІАН" and "standin" in first.lead_image_renditions
    call_command("import_articles", path, media_dir=str(media_dir), verbosity=0)
    assert Image.objects.count() == 1  # the same bytes again: nothing new


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("../../etc/passwd", "is not under --media-dir"),
        ("2026/notes.jpg", "не є зображенням"),
        ("2026/missing.jpg", "cannot read it"),
        ("http://127.0.0.1:9/x.jpg", "private, loopback or reserved address"),
    ],
)
def test_a_picture_that_cannot_be_had_stops_the_whole_import(
    db, tmp_path, media_dir, capsys, src, message
):
    path = write(
        tmp_path,
        [
            story("persha", {"src": "2026/square.jpg", "alt": "А"}),
            story("druha", {"src": src, "alt": "Б"}),
        ],
    )
    with pytest.raises(CommandError):
        call_command("import_articles", path, media_dir=str(media_dir))
    errors = capsys.readouterr().err
    assert f"line 2: image: {src}" in errors and message in errors
    assert not Article.objects.exists() and not Image.objects.exists()


def test_an_image_without_alt_text_is_a_bad_record(db, tmp_path, capsys):
    path = write(tmp_path, [story("persha", {"src": "a.jpg"})])
    with pytest.raises(CommandError):
        call_command("import_articles", path)
    assert "line 1: image.alt: is required" in capsys.readouterr().err


def test_a_picture_fetched_from_an_address(db, tmp_path):
    data = photo().read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/photo.jpg"
        path = write(tmp_path, [story("persha", {"src": url, "alt": "Площа"})])
        call_command("import_articles", path, allow_private_addresses=True, verbosity=0)
    finally:
        server.shutdown()
    assert Article.objects.get().picture == Image.objects.get()
