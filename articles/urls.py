from django.urls import path, register_converter

from articles import feeds, views


class UnicodeSlugConverter:
    """Letters of any script, digits, underscores and hyphens: taggit's Cyrillic tag slugs."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("news/<slug:slug>/", views.article_detail, name="detail"),
    path("views/<int:pk>/", views.count_view, name="count_view"),
    path("preview/<int:pk>/", views.article_preview, name="preview"),
    path("section/<slug:slug>/", views.story_list, {"kind": "section"}, name="section"),
    path("section/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("section/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    path("tag/<uslug:slug>/", views.story_list, {"kind": "tag"}, name="tag"),
    path("author/<slug:slug>/", views.story_list, {"kind": "author"}, name="author"),
    path("search/", views.search_view, name="search"),
    path("top/", views.top_rated_view, name="top_rated"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed(), name="corrections_feed"),
    path("feed/", feeds.LatestStoriesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestStoriesAtomFeed(), name="atom"),
]
