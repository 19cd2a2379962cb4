"""Every request gets an id: in the `X-Request-ID` response header, in the API's `meta.request_id`, and in the
actor of every event the request causes, so one id ties a client's report to the audit trail."""

from core.ids import new_id

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Always ours, for the API, the staff UI, the admin and public pages alike: a client-supplied X-Request-ID is
        # neither stored nor echoed, since it could collide with another request's, forge the audit trail's link to
        # a request or smuggle text into logs.
        request.request_id = new_id("req")
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
