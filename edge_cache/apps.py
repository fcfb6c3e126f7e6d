from django.apps import AppConfig


class EdgeCacheConfig(AppConfig):
    name = "edge_cache"
    verbose_name = "Edge cache"

    def ready(self):
        from edge_cache import checks  # noqa: F401
