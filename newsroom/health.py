"""/healthz: can this node serve? JSON with each part's state, no secrets.

503 only when the primary database cannot be reached, since then nothing works. A
cache that is down, or a replica that is down or behind, makes the node "degraded"
but it still answers 200: pages render from the database and reads go to the
primary, so a load balancer must keep sending it traffic.
"""

import uuid

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from newsroom import replicas


def _check_database():
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True} if ok else {"ok": False, "error": "not reachable or read-back mismatch"}


def _check_replicas():
    try:
        states = replicas.report()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": all(s["state"] == "ok" for s in states.values()), "servers": states}


@never_cache
def healthz(request):
    checks = {"database": _check_database(), "cache": _check_cache()}
    if replicas.aliases():
        checks["replicas"] = _check_replicas()
    if not checks["database"]["ok"]:
        status, code = "unavailable", 503
    elif all(check["ok"] for check in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
