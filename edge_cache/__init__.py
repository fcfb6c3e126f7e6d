"""The HTTP caches in front of the site: purges by surrogate key, through a backend.

An app that tags its pages with keys (articles.delivery.edge) calls `purge(keys)` after
a change commits; which cache speaks which protocol is EDGE_CACHE_BACKEND's business.
"""
