from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project itself: its deploy checks (the apps register their own)."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from newsroom import checks  # noqa: F401
