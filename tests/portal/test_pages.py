"""The portal's signed-in pages: the company's lines per currency and its standing, its purchases to be paid with
their due dates, days past due, buyer and repayments; money in major units; and nothing of another customer, whose
ids answer 404 on every URL that takes one."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from credit.services import credit_transaction_bill, credit_transaction_repay
from credit.statements import current_month, month_key
from portal.urls import urlpatterns
from tests.credit.builders import API, completed_purchase, completed_purchases, grant_line
from tests.factories import PaymentMethodFactory
from tests.portal.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def books(buyer):
    """Acme: a USD line of 25,000.00 and a EUR line of 5,000.00; a purchase 10 days past due (part repaid), one due in
    10 days, one billed by Ann and not yet completed, one fully repaid."""
    customer, user = buyer
    grant_line(customer, 500_000, "EUR")
    billed = credit_transaction_bill(
        customer=customer, actor=API, amount=30_000, currency_code="USD", reference="PO-77", customer_user_id=user.id
    )
    late, soon, paid = completed_purchases(customer, [(400_000, 10, 150_000), (120_050, -10, 0), (10_000, -20, 10_000)])
    return {"late": late, "soon": soon, "billed": billed, "paid": paid}


def test_the_overview_shows_each_line_in_major_units_and_the_standing(buyer, books):
    page = text(signed_in_client(*buyer).get("/portal/overview"))
    assert "Credit Active" in page and "Net terms Enrolled NET30" in page
    usd = page[page.index("USD main line") : page.index("EUR")]
    # A 25,000 line: 4,000 + 1,200.50 + 100 used less 1,500 + 100 repaid = 3,700.50 used; 300 reserved.
    assert "Limit 25,000.00 USD" in usd
    assert "Reserved 300.00 USD" in usd
    assert "Used 3,700.50 USD" in usd
    assert "Available 20,999.50 USD" in usd
    eur = page[page.index("EUR credit line") if "EUR credit line" in page else page.index("EUR") :]
    assert "Limit 5,000.00 EUR" in eur and "Available 5,000.00 EUR" in eur
    assert "Past due 2,500.00 USD on 1 purchase" in page


def test_the_purchases_page_lists_what_is_to_be_paid_with_due_dates_days_late_and_buyer(buyer, books):
    response = signed_in_client(*buyer).get("/portal/purchases")
    page = text(response)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", response.content.decode(), re.S)[1:]
    ids = [re.search(r"/portal/purchases/(ctx_\w+)", row).group(1) for row in rows if "/portal/purchases/ctx_" in row]
    # Soonest due first, the billed one (no due date yet) last, the repaid one not at all; then the repayments.
    assert ids[:3] == [books["late"].id, books["soon"].id, books["billed"].id]
    late_row = text_of(rows[0])
    assert "4,000.00 USD" in late_row and "1,500.00 USD" in late_row and "2,500.00 USD" in late_row
    assert "10 days" in late_row
    assert "Ann Archer" in text_of(rows[2]) and "PO-77" in text_of(rows[2]) and "when invoiced" in text_of(rows[2])
    assert books["paid"].id not in ids[:3]
    assert "Recent repayments" in page and "100.00 USD" in page and "1,500.00 USD" in page


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_one_purchase_shows_its_repayments(buyer, books):
    credit_transaction_repay(credit_transaction=books["late"], actor=API, amount=50_000)
    page = text(signed_in_client(*buyer).get(f"/portal/purchases/{books['late'].id}"))
    assert "Outstanding 2,000.00 USD" in page and "Past due 10 days" in page
    assert page.count("1,500.00 USD") == 1 and "500.00 USD" in page


def test_a_company_session_reads_the_same_pages(buyer, books):
    client = signed_in_client(buyer[0])
    overview = text(client.get("/portal/overview"))
    assert "Company access" in overview and "Limit 25,000.00 USD" in overview
    assert client.get("/portal/purchases").status_code == 200


def test_another_customers_purchase_is_not_found(buyer, other_buyer, books):
    theirs = completed_purchase(other_buyer[0], 70_000, days_past_due=3)
    client = signed_in_client(*buyer)
    response = client.get(f"/portal/purchases/{theirs.id}")
    assert response.status_code == 404 and b"Not found" in response.content
    assert theirs.id.encode() not in response.content
    # Nor does any page of Acme's mention it, and Globex sees it but none of Acme's.
    for path in ("/portal/overview", "/portal/purchases"):
        assert theirs.id.encode() not in client.get(path).content and b"Globex" not in client.get(path).content
    globex = signed_in_client(*other_buyer)
    assert globex.get(f"/portal/purchases/{theirs.id}").status_code == 200
    for purchase in books.values():
        assert globex.get(f"/portal/purchases/{purchase.id}").status_code == 404
    assert books["late"].id.encode() not in globex.get("/portal/purchases").content


@pytest.mark.parametrize("purchase_id", ["nonsense", "ctx_", "ctm_01jx8f3k9q2m7v5t4r6w8y0zab", "ctx_" + "z" * 26])
def test_a_malformed_or_unknown_purchase_id_is_not_found(buyer, purchase_id):
    assert signed_in_client(*buyer).get(f"/portal/purchases/{purchase_id}").status_code == 404


def test_every_portal_url_that_takes_an_id_answers_404_for_another_customers(buyer, other_buyer, books):
    """Walks the portal's routes: a new route taking an id must be listed here with another customer's id (POST-only
    routes are asked by POST, by an admin, who may act on ids of their own company)."""
    theirs = completed_purchase(other_buyer[0], 70_000, days_past_due=3)
    grant_line(other_buyer[0], 100_000, "GBP")  # a currency only Globex has statements in
    their_method = PaymentMethodFactory(customer=other_buyer[0], is_default=True)
    other_ids = {
        "purchase_id": theirs.id,
        "month": month_key(current_month()),
        "currency": "GBP",
        "file_format": "pdf",
        "method_id": their_method.id,
        "user_id": other_buyer[1].id,
    }
    customer, user = buyer
    user.role = "admin"
    user.save(update_fields=["role"])
    client = signed_in_client(customer, user)
    with_ids = [p for p in urlpatterns if p.pattern.converters and p.name != "sign_in_link"]
    assert {p.name for p in with_ids} == {
        "purchase_detail",
        "statement_download",
        "payment_method_default",
        "payment_method_remove",
        "user_remove",
    }
    for pattern in with_ids:
        url = reverse(f"portal:{pattern.name}", kwargs={name: other_ids[name] for name in pattern.pattern.converters})
        ask = client.post if pattern.name != "purchase_detail" else client.get
        assert ask(url).status_code == 404, url
    their_method.refresh_from_db()
    other_buyer[1].refresh_from_db()
    assert their_method.is_default and other_buyer[1].status == "active"


def test_no_customer_data_without_a_session(books):
    for path in ("/portal/overview", "/portal/purchases", f"/portal/purchases/{books['late'].id}"):
        response = Client().get(path)
        assert response.status_code == 302 and books["late"].id.encode() not in response.content


def test_pages_are_not_cached(buyer):
    response = signed_in_client(*buyer).get("/portal/overview")
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_purchases_page_costs_the_same_queries_for_many_purchases(buyer, django_assert_max_num_queries):
    customer, user = buyer
    client = signed_in_client(customer, user)
    completed_purchases(customer, [(1_000, days, 100) for days in (-5, 3, 9)])
    with django_assert_max_num_queries(12) as few:
        client.get("/portal/purchases")
    completed_purchases(customer, [(1_000, days, 100) for days in range(-10, 10)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/portal/purchases")
    # 23 purchases to be paid, and the 20 latest of their 23 repayments.
    assert response.content.count(b"/portal/purchases/ctx_") == 23 + 20


def test_the_overview_costs_the_same_queries_for_more_lines(buyer, django_assert_max_num_queries):
    customer, user = buyer
    client = signed_in_client(customer, user)
    with django_assert_max_num_queries(12) as few:
        client.get("/portal/overview")
    for currency in ("EUR", "GBP", "CAD"):
        grant_line(customer, 100_000, currency)
    completed_purchases(customer, [(1_000, 3, 0)])
    completed_purchases(customer, [(1_000, 4, 0)], currency="EUR")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(client.get("/portal/overview"))
    assert all(f"{code} credit line" in client.get("/portal/overview").content.decode() for code in ("EUR", "GBP"))
    assert "10.00 USD on 1 purchase" in page and "10.00 EUR on 1 purchase" in page
