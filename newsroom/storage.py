"""The media storage: Django's folder storage, with names that carry one extension."""

import posixpath

from django.core.files.storage import FileSystemStorage


def one_extension(name):
    """`name` with every dot but its extension's made a dash: shell.php.jpg is stored as
    shell-php.jpg and .htaccess.jpg as htaccess.jpg, so a media server that runs or types
    a file by any of its extensions (Apache's AddHandler, AddType) finds only the last."""
    stem, ext = posixpath.splitext(name)
    return (stem.replace(".", "-").strip("-") or "file") + ext


MOST_ADDRESSES = 10_000


class MediaStorage(FileSystemStorage):
    """Every upload (pictures, lead and social images, authors' photos, held uploads) is
    named by FileField through get_valid_name; files the app writes itself are not."""

    def get_valid_name(self, name):
        return one_extension(super().get_valid_name(name))

    def url(self, name):
        """A file's address, kept: a page asks for dozens (each picture's copies in every
        format and width, the authors' photos), each a urljoin() that costs more than the
        rest of its tag. The address is the file's name under MEDIA_URL, the same until
        either changes; the key holds both."""
        key = (self.base_url, name)
        found = _addresses.get(key)
        if found is None:
            if len(_addresses) >= MOST_ADDRESSES:
                _addresses.clear()
            found = _addresses[key] = super().url(name)
        return found


_addresses = {}
