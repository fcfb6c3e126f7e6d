"""WSGI entry point, used by gunicorn and runserver."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

from articles.view_beacon import ViewBeaconApp  # noqa: E402
from newsroom.checks import refuse_insecure_start  # noqa: E402  (needs settings loaded)
from newsroom.direct_votes import VoteApp  # noqa: E402
from newsroom.prefork import warm_up  # noqa: E402
from newsroom.stored_pages import StoredPageApp  # noqa: E402

# Story views' beacons are counted ahead of Django (articles/view_beacon.py), stored
# pages answered ahead of its middleware (newsroom/stored_pages.py), and so are
# anonymous readers' votes from the rating block's script (newsroom/direct_votes.py).
application = VoteApp(StoredPageApp(ViewBeaconApp(application)))

refuse_insecure_start()
warm_up()  # before gunicorn forks its workers (newsroom/prefork.py)
