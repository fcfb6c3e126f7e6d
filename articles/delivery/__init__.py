"""How story pages reach readers: the page cache (pagecache), the content version that
retires stored pages (content_version), the surrogate keys of the HTTP caches in front
(edge), and the signal receivers that retire and purge on every change (signals)."""
