"""gunicorn's logger without the access line the app writes itself (newsroom/gunicorn.conf.py).

With a `logconfig_dict` gunicorn builds the access-log fields of every request (each header
and environ variable) and logs them to `gunicorn.access`, which has no handler here: some
10 % of a stored page's CPU for a line nobody reads. The app logs each request itself
(newsroom.middleware); an access log asked for (`--access-logfile`) is still written.
"""

from gunicorn.glogging import Logger


class GunicornLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)
