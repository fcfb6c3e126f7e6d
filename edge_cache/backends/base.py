"""What every edge cache backend provides."""


class BaseBackend:
    """One HTTP cache in front of the site, at `url`.

    `header`: the response header a page names its keys in (space-separated), which the
    cache indexes the stored page by. `purge(keys, timeout=…)` asks the cache to drop every
    page with any of `keys` and returns the HTTP status of the answer (400 or more is
    logged as a refusal); a network error is raised as an OSError or an
    http.client.HTTPException, and any other error is logged as a failed purge too.
    """

    header = ""

    def __init__(self, url):
        self.url = url

    def purge(self, keys, *, timeout):
        raise NotImplementedError
