"""Site-wide request guards that must run before any view (or form parsing) touches the request."""

from django.conf import settings
from django.http import HttpResponse

from core.api.errors import API_PREFIX, json_error


class RequestBodyLimitMiddleware:
    """Refuse (413) a request whose Content-Length exceeds REQUEST_BODY_MAX_BYTES, before its body is read.

    Django bounds form fields but streams file uploads to disk whatever their size, so without this a staff upload
    of gigabytes would fill the disk before the form could say it is too large. A body without a Content-Length is
    never read at all by Django, so the declared length is the whole story."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            detail = f"The body must not exceed {limit} bytes."
            if request.path.startswith(API_PREFIX):
                return json_error(request, 413, "request_too_large", detail)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
