# Varnish 7 in front of Newsroom's app servers, with xkey from varnish-modules.
#
# Anonymous readers get pages from here: the app makes every anonymous page the same bytes
# (no cookie, no token), names what each shows in an `xkey` header, and purges exactly
# those keys after every edit and vote (EDGE_PURGE_URLS), before it answers.
#
# A deployment changes two things: the backends below (one per app server, each added
# to the director in vcl_init), and the purge ACL (the addresses of the app servers).
vcl 4.1;

import directors;
import std;
import xkey;

# /healthz answers 503 only when the app cannot reach its database: then readers get the
# pages kept in grace instead of an error. It answers whatever Host the probe sends and
# over plain HTTP.
probe health {
    .url = "/healthz";
    .interval = 2s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
}

backend app1 {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = health;
}
# backend app2 { .host = "10.0.0.6"; .port = "8000"; .connect_timeout = 2s;
#                .first_byte_timeout = 30s; .probe = health; }

sub vcl_init {
    new servers = directors.round_robin();
    servers.add_backend(app1);
    # servers.add_backend(app2);
}

# Who may purge: the app servers.
acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    set req.backend_hint = servers.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is for the app servers only"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in xkey-purge"));
        }
        set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.x-purged));
    }
    # No client may name surrogate keys of its own.
    unset req.http.xkey;
    # The scheme the reader used, as the TLS terminator in front says: "https" or "http",
    # nothing else. It is part of the cache key (vcl_hash): the app answers plain HTTP with
    # a redirect to the same address over HTTPS, which must never reach an HTTPS reader.
    if (req.http.X-Forwarded-Proto != "https") {
        set req.http.X-Forwarded-Proto = "http";
    }
    if (req.restarts == 0) {
        unset req.http.x-fetch-fresh;
    } else if (req.http.x-fetch-fresh) {
        # back from vcl_hit: the stored copy is older than the app allows to serve stale
        set req.grace = 0s;
    }

    # A story view's beacon: answered here, counted from this log by `manage.py
    # ship_views` (articles/view_beacon.py), so a reader's view costs no app server.
    if (req.method == "POST" && req.url ~ "^(/en)?/views/[0-9]+/$") {
        if (req.http.Sec-Fetch-Site && req.http.Sec-Fetch-Site !~ "^(same-origin|none)$") {
            return (synth(403, "Cross-site beacons are not counted"));
        }
        return (synth(204, "No Content"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);  # votes, the admin's forms: always to the app
    }
    if (req.url ~ "^(/admin/|/healthz|(/en)?/ratings/)") {
        return (pass);  # the admin, health checks, a reader's own vote
    }
    if (req.http.Cookie) {
        # A reader who may see something of their own: a session (signed in), a message
        # waiting (the thanks after a vote without JavaScript), a recent write of theirs.
        # Varnish cannot check the app's signatures (it has no SECRET_KEY), only the form
        # of what the app sets: a session id is 32 of a-z0-9; a message ends in a 43-char
        # signature; the read-your-writes pin is "<its end, Unix time>:<signature>" and
        # counts until that end. Anything else cannot be the app's and is dropped, so junk
        # cookies get the stored page. A well-formed forgery is passed, and the app, which
        # checks the signature or the session, answers it from its own page cache.
        if (req.http.Cookie ~ "(^|;\s*)sessionid=[a-z0-9]{32}(;|$)"
            || req.http.Cookie ~ "(^|;\s*)messages=[^;]*:[A-Za-z0-9_-]{43}(;|$)"
            || (req.http.Cookie ~ "(^|;\s*)nr_primary=[0-9]{10}:[A-Za-z0-9_-]{43}(;|$)"
                && std.integer(regsub(req.http.Cookie, "^(.*;\s*)?nr_primary=([0-9]{10}):.*$", "\2"), 0)
                   > std.integer(time=now))) {
            return (pass);
        }
        # Everything else is the same for every reader.
        unset req.http.Cookie;
    }
    unset req.http.Accept-Language;  # one language per address

    # Tracking parameters name the same page: one stored copy for all of them.
    if (req.url ~ "\?" && req.url ~ "[?&](utm_[a-z]+|fbclid|gclid|dclid|gbraid|wbraid|yclid|msclkid|mc_cid|mc_eid|igshid|_ga)=") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z]+|fbclid|gclid|dclid|gbraid|wbraid|yclid|msclkid|mc_cid|mc_eid|igshid|_ga)=[^&]*&?", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    return (hash);
}

sub vcl_hash {
    # then the built-in key: the URL and the Host
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_hit {
    if (obj.ttl >= 0s) {
        return (deliver);
    }
    # Past its s-maxage. While the app is down, serve the kept copy (grace).
    if (!std.healthy(req.backend_hint)) {
        return (deliver);
    }
    # Within the app's stale-while-revalidate: serve it and fetch a fresh copy meanwhile.
    # The app never lets that window reach past a scheduled story's time.
    if (obj.ttl + std.duration(obj.http.x-stale-while-revalidate + "s", 0s) > 0s) {
        return (deliver);
    }
    # Older than that: fetch now.
    set req.http.x-fetch-fresh = "1";
    return (restart);
}

sub vcl_backend_response {
    # The app's stale-while-revalidate, kept with the object for vcl_hit; the grace kept
    # is long so that a down backend still has pages to show.
    set beresp.http.x-stale-while-revalidate = regsub(beresp.http.Cache-Control, "^.*stale-while-revalidate=([0-9]+).*$|^.*$", "\1");
    if (beresp.http.x-stale-while-revalidate == "") {
        set beresp.http.x-stale-while-revalidate = "0";
    }
    set beresp.grace = 24h;
    # Text is kept gzipped: the app compresses its pages itself (Varnish asks it for
    # gzip); anything it sent plain is compressed here. A client that takes no gzip
    # gets it unzipped by Varnish.
    if (!beresp.http.Content-Encoding && beresp.http.Content-Type ~ "^(text/|application/(xml|rss\+xml|atom\+xml|json|javascript))") {
        set beresp.do_gzip = true;
    }
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "private|no-store|no-cache") {
        # somebody's own page: never stored, not even as a miss to wait on
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    if (beresp.status >= 500) {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    return (deliver);
}

sub vcl_backend_error {
    # An app server that stopped (a restart, a deploy) before its probe noticed: a read is
    # asked again of the next healthy one rather than answered with an error.
    if (bereq.retries < 2 && bereq.method ~ "^(GET|HEAD)$") {
        return (retry);
    }
}

# Varnish's own answers (a purge's, a fetch that failed while nothing was stored) carry
# the headers every answer of the app does; the app's own are left as they are.
sub security_headers {
    if (!resp.http.X-Frame-Options) {
        set resp.http.X-Frame-Options = "DENY";
    }
    if (!resp.http.Content-Security-Policy) {
        set resp.http.Content-Security-Policy = "default-src 'none'; frame-ancestors 'none'";
    }
    set resp.http.X-Content-Type-Options = "nosniff";
}

sub vcl_deliver {
    call security_headers;
    unset resp.http.xkey;
    unset resp.http.x-stale-while-revalidate;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    call security_headers;
    if (resp.status == 204) {
        set resp.http.Cache-Control = "no-store";
        return (deliver);
    }
    unset resp.http.Retry-After;
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    synthetic(resp.reason + {"
"});
    return (deliver);
}
