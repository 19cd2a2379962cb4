"""How a portal page knows who is signed in. Decorate a view with `@portal_page` and it runs only for a live portal
session, with `request.portal` (a `Portal`: the session, the customer, and the customer user or None for a company
session); anyone else is sent to the sign-in page. Render with `portal_render`, which adds the layout's navigation.

    @portal_page(require_user=True)   # a page where a person acts (a company session gets a 403 page)
    def statements(request):
        rows = statement_list(customer=request.portal.customer)
        return portal_render(request, "portal/statements.html", {"rows": rows}, nav="statements")

The cookie (PORTAL_SESSION_COOKIE_NAME) is the portal's own, on path /portal/ only: the staff session cookie means
nothing here, and this one nothing to the staff UI."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from customers.models import Customer, CustomerUser
from portal.models import PortalSession
from portal.navigation import NAV
from portal.services import portal_session_authenticate

COOKIE_PATH = "/portal/"


@dataclass(frozen=True)
class Portal:
    session: PortalSession
    customer: Customer
    user: CustomerUser | None  # None: a company session (an API-made link without customer_user_id)


def session_token(request) -> str | None:
    return request.COOKIES.get(settings.PORTAL_SESSION_COOKIE_NAME)


def set_session_cookie(response, token: str) -> None:
    response.set_cookie(
        settings.PORTAL_SESSION_COOKIE_NAME,
        token,
        max_age=settings.PORTAL_SESSION_MAX_SECONDS,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(response) -> None:
    response.delete_cookie(settings.PORTAL_SESSION_COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")


def portal_render(request, template: str, context: dict | None = None, *, nav: str = "", status: int = 200):
    """A page in the portal's layout (templates/portal/base.html): the menu from portal.navigation.NAV, `nav` marked
    current, and the signed-in customer and user when there are."""
    portal = getattr(request, "portal", None)
    base = {
        "portal": portal,
        "nav_items": NAV if portal else (),
        "nav_current": nav,
        "link_minutes": settings.PORTAL_LINK_TTL_SECONDS // 60,
    }
    response = render(request, template, {**base, **(context or {})}, status=status)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def portal_page(view: Callable | None = None, *, require_user: bool = False):
    """Run the view for a live portal session only (see the module's docstring)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            session = portal_session_authenticate(token=session_token(request))
            if session is None:
                response = redirect(reverse("portal:sign_in"))
                if session_token(request):
                    clear_session_cookie(response)
                return response
            request.portal = Portal(session=session, customer=session.customer, user=session.customer_user)
            if require_user and session.customer_user is None:
                return portal_render(request, "portal/needs_person.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
