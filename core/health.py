"""GET /health: whether this web process can serve, for a load balancer's health check (HAProxy in `make cluster`)
and monitors. Cheap enough to be asked every second: one `SELECT 1` on the primary's connection (through PgBouncer
when the app reaches it that way), no session, no template.

200 when the database answers, 503 when it does not (a process that cannot reach its database should get no
traffic). The replica's state is reported but never fails the check: reads fall back to the primary without it."""

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.replica import HEALTH, replica_configured


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            database_ok = cursor.fetchone() == (1,)
    except DatabaseError:
        database_ok = False
    body = {"status": "ok" if database_ok else "unavailable", "database": "ok" if database_ok else "unavailable"}
    if replica_configured():
        state = HEALTH.state()
        body["replica"] = {"state": state.reason, "lag_seconds": state.lag_seconds}
    return JsonResponse(body, status=200 if database_ok else 503)
