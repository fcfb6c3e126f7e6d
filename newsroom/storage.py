"""The media storage: Django's folder storage, with names that carry one extension."""

import posixpath

from django.core.files.storage import FileSystemStorage


def one_extension(name):
    """`name` with every dot but its extension's made a dash: shell.php.jpg is stored as
    shell-php.jpg and .htaccess.jpg as htaccess.jpg, so a media server that runs or types
    a file by any of its extensions (Apache's AddHandler, AddType) finds only the last."""
    stem, ext = posixpath.splitext(name)
    return (stem.replace(".", "-").strip("-") or "file") + ext


class MediaStorage(FileSystemStorage):
    """Every upload (pictures, lead and social images, authors' photos, held uploads) is
    named by FileField through get_valid_name; files the app writes itself are not."""

    def get_valid_name(self, name):
        return one_extension(super().get_valid_name(name))
