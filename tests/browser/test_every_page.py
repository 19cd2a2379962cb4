"""Every staff page, as every role, in Chromium: no serious or critical accessibility violation (axe-core's WCAG 2.1 A
and AA rules, run inside the page at desktop width), and nothing wider than the viewport at desktop and phone widths.

The pages are not listed by hand: every GET route under /staff/ is filled with ids from a small book (a customer in
every section, an import with errors, a webhook endpoint with deliveries, an API key, an OAuth client, a referred
check) and visited when it answers an HTML page; a page a role may not open is its 403 page, which is checked too.
The app's own 404 page and the sign-in page are walked beside them."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.actors import Actor
from core.models import Event, WebhookDelivery
from core.services import api_key_create, oauth_client_create
from core.webhooks.services import webhook_endpoint_create
from credit.models import CreditCheck, CreditTransaction
from customers.imports import customer_import_create, customer_import_run
from customers.models import Customer, CustomerImport, PaymentMethod
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.portfolio import portfolio
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["viewer", "account_manager", "credit_officer", "superuser"]
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SEVERE = {"serious", "critical"}


def staff_routes(patterns=None, prefix=""):
    """(route, name) of every URL pattern under /staff/."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from staff_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("staff/"):
            yield prefix + str(pattern.pattern), pattern.name


def book() -> dict[str, str]:
    """A book with something on every page; the id each route argument takes."""
    endpoint = webhook_endpoint_create(
        actor=Actor.system(), url="https://hooks.example.com/credit", event_types=["customer.created"]
    )
    bluebird = portfolio()
    # What overflows a phone's width first: a long unbroken email, id-like words, a wide JSON document.
    Customer.objects.filter(pk=bluebird.pk).update(
        email="accounts.payable.department@bluebird-coffee-roasters-international.example.com",
        legal_name="Bluebird Coffee Roasters International Wholesale Distribution Incorporated",
        custom_data={"erp_reference": "BLUEBIRD-" + "0123456789" * 8, "tags": ["wholesale"] * 12},
    )
    key, _ = api_key_create(name="Storefront", scopes=["customers:read"])
    client = oauth_client_create(name="ERP sync", scopes=["customers:read"])
    client = client[0] if isinstance(client, tuple) else client
    upload = customer_import_create(
        file_name="batch.csv",
        content=b"email,name,country\nap@one.com,One,US\nnot-an-email,Two,US\nap@three.com,Three,XX\n",
        enqueue=False,
    )
    customer_import_run(customer_import_id=upload.id)
    return {
        "customer_id": bluebird.id,
        "method_id": PaymentMethod.objects.filter(customer=bluebird).first().id,
        "import_id": CustomerImport.objects.get().id,
        "endpoint_id": endpoint.id,
        "delivery_id": WebhookDelivery.objects.filter(endpoint=endpoint).first().id,
        "check_id": CreditCheck.objects.filter(status="in_review").first().id,
        "transaction_id": CreditTransaction.objects.filter(customer=bluebird).first().id,
        "currency_code": "EUR",  # a line beside the credit currency's, which may be closed
        "api_key_id": key.id,
        "client_id": client.pk,
        "document": "custom_data",
        "event_id": Event.objects.filter(customer_id=bluebird.id).first().id,
    }


def pages(ids: dict[str, str]) -> list[str]:
    """The path of every staff route that answers a superuser's GET with an HTML page."""
    client = Client()
    client.force_login(staff_user("superuser"))
    found = []
    for route, _name in staff_routes():
        path = "/" + route
        for argument, value in ids.items():
            path = path.replace(f"<str:{argument}>", str(value))
        assert "<" not in path, f"no id for {route}: add one to book()"
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found.append(path)
    return found


def check(staff_browser, page, axe: Axe | None, width: int) -> None:
    """Record the page's serious and critical axe violations (unless `axe` is None) and any horizontal overflow."""
    results = axe.run(page, options=WCAG_21_AA).response["violations"] if axe else []
    for violation in results:
        if violation["impact"] in SEVERE:
            targets = [node["target"] for node in violation["nodes"]][:5]
            staff_browser.problems.append(
                f"{page.url} at {width}px: axe {violation['impact']} {violation['id']}: {violation['help']} "
                f"({len(violation['nodes'])} elements, e.g. {targets})"
            )
    overflow = page.evaluate("document.documentElement.scrollWidth")
    if overflow > width:
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > width + 1)
                .slice(-3).map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))""",
            width,
        )
        staff_browser.problems.append(f"{page.url} at {width}px: {overflow}px wide, e.g. {wide}")


def test_every_page_for_every_role_is_accessible_and_fits_the_viewport(staff_browser):
    paths = pages(book())
    assert len(paths) >= 20, paths
    walked = 0
    for viewport, axe in ((DESKTOP, Axe()), (PHONE, None)):
        for role in ROLES:
            page = staff_browser.open(role=role, viewport=viewport, path="/staff/")
            for path in [*paths, "/staff/no-such-page"]:
                status = page.goto(path).status
                if status in (403, 404):
                    # The browser logs the page's own status as a console error; the page itself is what is checked.
                    expected = f"{page.url}: console error: Failed to load resource: the server responded with a status"
                    staff_browser.problems = [p for p in staff_browser.problems if not p.startswith(expected)]
                check(staff_browser, page, axe, viewport["width"])
                walked += 1
        anonymous = staff_browser.open(viewport=viewport, path="/staff/login")
        check(staff_browser, anonymous, axe, viewport["width"])
    assert walked == 2 * len(ROLES) * (len(paths) + 1)
