"""Chunked request bodies (`Transfer-Encoding: chunked`, no `Content-Length`) under WSGI, read for what they are.

Django reads exactly CONTENT_LENGTH bytes of a WSGI request, so a body sent chunked was read as empty: a customer
created from it was refused with "email: This field is required." Servers that decode chunked bodies themselves say so
with `wsgi.input_terminated` (gunicorn does): this wrapper then reads the decoded body, at most
REQUEST_BODY_MAX_BYTES + 1 bytes of it, into a spooled file (memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then disk), and
hands Django that file with its length. Every size limit then applies to the real size, exactly as to a body that
declared it: the site's 413 (core.middleware.RequestBodyLimitMiddleware, which sees the length capped one byte past
its limit), the API's 1 MiB. A server that does not decode chunked bodies (Django's runserver) leaves the raw chunks in
`wsgi.input`: those requests are refused with 411 by core.middleware, rather than misread.

Layer: core; imports only the standard library and Django's settings. config/wsgi.py wraps the application in it."""

from tempfile import SpooledTemporaryFile

from django.conf import settings

_READ_SIZE = 64 * 1024


def is_chunked(environ) -> bool:
    """A body sent chunked, with no declared length."""
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and not environ.get("CONTENT_LENGTH")


class ChunkedBodyMiddleware:
    """WSGI middleware: a chunked body the server decoded becomes a body of known length."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if not (is_chunked(environ) and environ.get("wsgi.input_terminated")):
            return self.application(environ, start_response)
        # Django reads a request's body while the view runs, before it returns the response: the file can go then.
        with SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            size = _read_into(body, environ["wsgi.input"])
            return self.application({**environ, "wsgi.input": body, "CONTENT_LENGTH": str(size)}, start_response)


def _read_into(body, stream) -> int:
    """The body read to its end or one byte past the site's limit, whichever comes first; its size."""
    beyond_limit = settings.REQUEST_BODY_MAX_BYTES + 1
    size = 0
    while size < beyond_limit:
        chunk = stream.read(min(_READ_SIZE, beyond_limit - size))
        if not chunk:
            break
        body.write(chunk)
        size += len(chunk)
    body.seek(0)
    return size
