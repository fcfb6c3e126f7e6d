"""The newsroom admin: stories with related links, notices, review, revisions; banners.

Each module registers its ModelAdmins; Django's autodiscovery imports this package."""

from articles.admin import others, stories  # noqa: F401
