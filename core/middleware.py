"""Site-wide request guards that must run before any view (or form parsing) touches the request."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found

from core.api.errors import API_PREFIX, classify, json_error
from core.chunked import is_chunked
from core.text import query_value_problem, unreadable_text_problem


class RequestBodyLimitMiddleware:
    """Refuse (413) a request whose Content-Length exceeds REQUEST_BODY_MAX_BYTES, before its body is read.

    Django bounds form fields but streams file uploads to disk whatever their size, so without this a staff upload
    of gigabytes would fill the disk before the form could say it is too large. A body without a Content-Length is
    never read at all by Django, so the declared length is the whole story: a chunked body (no declared length) is
    given one by core.chunked when the server decoded it, and is refused here (411) when it did not.

    (Django itself refuses bodies of form fields larger than DATA_UPLOAD_MAX_MEMORY_SIZE once it reads them.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Under WSGI only: an ASGI server hands Django the body it decoded whatever its framing.
        if is_chunked(request.META) and "wsgi.input" in request.META:
            detail = "Send the body with a Content-Length header: this server cannot read a chunked body."
            if request.path.startswith(API_PREFIX):
                return json_error(request, 411, "length_required", detail)
            return HttpResponse(detail, status=411, content_type="text/plain; charset=utf-8")
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


class QueryValueGuardMiddleware:
    """Refuse (400) a request whose query string holds a value no view can look up: a NUL character (PostgreSQL
    refuses it in a query: a 500 wherever a parameter reaches one, as `?after=ctm_%00` did on every list), or a value
    longer than core.text.MAX_QUERY_VALUE_CHARS. One check for every parameter of every page, the API's, the staff UI's
    and the admin's, before any view parses one. Under /api/ the answer is the error format's `invalid_field` naming
    each parameter; elsewhere a page saying what is wrong. (An unpaired surrogate cannot arrive this way: Django decodes
    the query string as UTF-8, replacing what is not; a cursor can carry one inside, which core.pagination refuses.)

    A path holding a NUL (`/api/v1/customers/ctm_%00`, an admin change page) names nothing: 404, the API's `not_found`
    for a malformed id, whatever the view would have done with it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404("No such page.")
        problems = {}
        for name, values in request.GET.lists():
            if name_problem := unreadable_text_problem(name):
                problems[""] = f"A parameter name is not valid. {name_problem}"
                continue
            for value in values:
                if problem := query_value_problem(value):
                    problems[name] = problem
        if not problems:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            status, code, detail, errors, _ = classify(ValidationError(problems))
            return json_error(request, status, code, detail, errors=errors)
        lines = [f"{name}: {problem}" if name else problem for name, problem in problems.items()]
        page = render_to_string("400.html", {"problems": lines}, request=request)
        return HttpResponse(page, status=400)


class DebugNotFoundMiddleware:
    """Under DEBUG (the embedded default, `make run`), a 404 outside /api/ is still the app's own page, in its layout,
    rather than Django's technical page listing every URL of the site. Django shows that page for any 404 while DEBUG
    is on, before handler404 is asked: an unknown path is answered here before it reaches the resolver, and an Http404
    raised by a view is turned into the page here. Without DEBUG this does nothing (handler404 renders the page).
    After the authentication middleware, so that the page knows who is signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG and not self._exempt(request):
            try:
                resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
            except Resolver404 as error:
                return self._page(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404) and not self._exempt(request):
            return self._page(request, exception)
        return None

    @staticmethod
    def _exempt(request) -> bool:
        # The API answers its own JSON 404s; static files are WhiteNoise's.
        return request.path.startswith((API_PREFIX, "/" + settings.STATIC_URL.lstrip("/")))

    @staticmethod
    def _page(request, exception) -> HttpResponse:
        return page_not_found(request, exception)
