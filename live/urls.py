"""The live pages' own addresses: the fragment of new entries, an entry's link, the feeds."""

from django.urls import path

from live import feeds, views

app_name = "live"
urlpatterns = [
    path("live/<int:pk>/since/<int:revision>/", views.entries_since, name="since"),
    path("live/entry/<int:pk>/", views.entry_link, name="entry"),
    path("live/<int:pk>/feed/", feeds.EntriesFeed(), name="feed"),
    path("live/<int:pk>/atom/", feeds.EntriesAtomFeed(), name="atom"),
]
