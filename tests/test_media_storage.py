"""The media storage: the addresses it keeps are the folder storage's own."""

from django.core.files.storage import FileSystemStorage, default_storage

from newsroom.storage import MediaStorage

NAMES = ["renditions/ab/c-800.jpg", "authors/Ірина Коваль.webp", "a b/c#d?.png", "x%20y.jpg"]


def test_a_files_address_is_the_folder_storages(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for base in ("/media/", "https://cdn.example.com/m/"):
        settings.MEDIA_URL = base
        ours, django = MediaStorage(), FileSystemStorage()
        for name in NAMES:
            assert ours.url(name) == ours.url(name) == django.url(name), name
            assert ours.url(name).startswith(base)


def test_the_address_follows_media_url(settings):
    settings.MEDIA_URL = "/media/"
    assert default_storage.url("a.jpg") == "/media/a.jpg"
    settings.MEDIA_URL = "https://cdn.example.com/"
    assert default_storage.url("a.jpg") == "https://cdn.example.com/a.jpg"
