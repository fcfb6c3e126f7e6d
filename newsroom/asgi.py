"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_asgi_application()

from newsroom.checks import refuse_insecure_start  # noqa: E402  (needs settings loaded)

refuse_insecure_start()
