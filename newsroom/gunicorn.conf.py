"""gunicorn settings for production; every value can be overridden by GUNICORN_* env vars."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Workers are forked from a master that has loaded the app, so a worker recycled after
# max_requests (a guard against slow leaks) costs a fork, not a second of CPU loading
# Django again; and it happens every 100,000 requests, not every 5,000.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
accesslog = None  # the app logs each request as JSON
logger_class = "newsroom.gunicorn_logger.GunicornLogger"  # so gunicorn builds no access line
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket is one path per user: several servers on one machine would
# take it from each other. Nothing here uses it.
control_socket_disable = True

# gunicorn's own lines (start, workers, errors) in the app's format: UTC with its offset,
# one JSON object a line unless LOG_FORMAT=text (levels stay --log-level's)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "newsroom.logs.UTCJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {
            "()": "newsroom.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "propagate": False},
        # with a logconfig_dict gunicorn writes access lines; the app logs each request
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
