"""The articles app's models, one module per family; every model is importable from here."""

from articles.models.editorial import HeldUpload, StoryDraft
from articles.models.front_page import BreakingNews, FrontPagePick
from articles.models.links import RelatedLink
from articles.models.neighbours import Neighbour, NeighbourChoice, StoryTerm, StoryTerms, Term
from articles.models.notices import Notice
from articles.models.pictures import PictureInText
from articles.models.scheduling import RunMark
from articles.models.sections import Author, Section
from articles.models.stories import (
    EARLIEST_PUBLISH_TIME,
    LATEST_PUBLISH_TIME,
    PUBLISH_TIME_OUT_OF_RANGE,
    Article,
    SlugRedirect,
    clean_text,
    validate_publish_time,
)
from articles.models.wordpress import WordPressImage, WordPressItem

__all__ = [
    "EARLIEST_PUBLISH_TIME",
    "LATEST_PUBLISH_TIME",
    "PUBLISH_TIME_OUT_OF_RANGE",
    "Article",
    "Author",
    "BreakingNews",
    "FrontPagePick",
    "HeldUpload",
    "Neighbour",
    "NeighbourChoice",
    "Notice",
    "PictureInText",
    "RelatedLink",
    "RunMark",
    "Section",
    "SlugRedirect",
    "StoryDraft",
    "StoryTerm",
    "StoryTerms",
    "Term",
    "WordPressImage",
    "WordPressItem",
    "clean_text",
    "validate_publish_time",
]
