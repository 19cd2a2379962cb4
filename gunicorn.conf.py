"""gunicorn's settings for this app; gunicorn reads `./gunicorn.conf.py` by itself when started from the project root.

A request gunicorn cannot parse never reaches Django, so gunicorn answers it itself, by default with an HTML page.
Here it answers in the API's error format instead (docs/api.md), so a client always gets the JSON it parses:

    414 uri_too_long                  a request line (method, path and query) longer than `limit_request_line`
    431 request_headers_too_large     too many header fields, or one longer than `limit_request_field_size`
    400 bad_request                   anything else malformed (request line, header, chunked encoding …)

Started with `--preload` (make cluster's scripts/cluster/web.sh), the master imports the app before forking its
workers; `pre_fork` then closes any database connection the import opened, so no worker shares the master's socket.
"""

import json
import os

from django.db import connections
from gunicorn import util
from ulid import ULID

# The largest request line and header field gunicorn accepts (its maximum). Django refuses bodies over 6 MB.
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 100

_CODES = {
    414: ("uri_too_long", "The URL is longer than the server accepts ({limit} bytes for the request line)."),
    431: ("request_headers_too_large", "A header is too long, or there are too many of them."),
}


def write_json_error(sock, status_int, reason, mesg):
    """Replaces gunicorn.util.write_error: the same status line, a body in the API's error format."""
    code, detail = _CODES.get(status_int, (None, None))
    # Absolute, as every other error's link, where the site's address is configured (it is, under the production
    # settings); the request's own Host is not known here, since gunicorn could not parse the request.
    base = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    request_id = f"req_{str(ULID()).lower()}"
    if code is None:
        code = {403: "forbidden", 500: "internal_error"}.get(status_int, "bad_request")
        detail = "The request could not be parsed as HTTP." if code == "bad_request" else reason
    body = json.dumps(
        {
            "error": {
                "type": "api_error" if status_int >= 500 else "request_error",
                "code": code,
                "detail": detail.format(limit=limit_request_line),
                "documentation_url": f"{base}/api/v1/docs#errors-{code}",
            },
            "meta": {"request_id": request_id},
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"X-Request-ID: {request_id}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("latin1")
    util.write_nonblock(sock, head + body)


util.write_error = write_json_error


def pre_fork(server, worker):
    """With the app preloaded, the master holds no database connection its workers would inherit and share."""
    if server.cfg.preload_app:
        connections.close_all()
