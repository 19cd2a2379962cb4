"""Purchases on credit in the staff UI: billing, completing, cancelling and repaying go through the services the API
calls; their refusals come back in their words with money in major units; bad input changes nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.pan import CARD_NUMBER_MESSAGE
from credit.models import CreditLedgerEntry, CreditRepayment, CreditTransaction, CreditTransactionStatus
from credit.services import credit_hold, credit_transaction_bill
from credit.vocabulary import PURCHASE_TRANSITIONS, purchase_actions
from tests.credit.builders import API, OFFICER, approved_customer, buckets, completed_transaction
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

GOOD_BILL = {"amount": "1,250.50", "currency_code": "USD", "reference": "PO-1042", "description": "Two looms"}


@pytest.fixture
def officer(client_as):
    return client_as("credit_officer")


def bill_url(customer) -> str:
    return reverse("staff:customer_purchase_bill", args=[customer.id])


def action_url(name: str, purchase) -> str:
    return reverse(f"staff:{name}", args=[purchase.customer_id, purchase.id])


def purchases_of(customer) -> str:
    return reverse("staff:customer_detail", args=[customer.id]) + "#purchases"


def billed(customer, amount: int = 300_000) -> CreditTransaction:
    return credit_transaction_bill(customer=customer, actor=API, amount=amount, currency_code="USD")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def unchanged(customer, before: tuple[int, int, int]) -> None:
    assert buckets(customer) == before
    assert not CreditTransaction.objects.filter(customer=customer).exists()


def test_the_purchase_rules_name_real_statuses():
    assert set().union(*PURCHASE_TRANSITIONS.values()) <= set(CreditTransactionStatus.values)
    assert purchase_actions("billed", 0) == ["complete", "cancel"]
    assert purchase_actions("completed", 1) == ["repay"]
    assert purchase_actions("completed", 0) == []
    assert purchase_actions("canceled", 0) == []


def test_a_credit_officer_bills_a_purchase_in_major_units(officer):
    customer = approved_customer(limit=1_000_000)
    form = officer.get(bill_url(customer)).context["form"]
    assert form.initial == {"currency_code": "USD"}
    response = officer.post(bill_url(customer), GOOD_BILL)
    assert (response.status_code, response["Location"]) == (302, purchases_of(customer))
    purchase = CreditTransaction.objects.get(customer=customer)
    assert (purchase.amount, purchase.currency_code, purchase.status) == (125_050, "USD", "billed")
    assert (purchase.reference, purchase.description) == ("PO-1042", "Two looms")
    assert buckets(customer) == (874_950, 125_050, 0)
    entry = CreditLedgerEntry.objects.filter(customer=customer).latest("id")
    assert (entry.entry_type, entry.actor_type, entry.actor_id) == ("reserve", "staff", str(officer.user.pk))
    page = officer.get(response["Location"])
    assert messages_of(page) == ["Billed 1,250.50 USD (PO-1042): reserved until it is completed or canceled."]


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"amount": ""}, "amount", "This field is required."),
        ({"amount": "lots"}, "amount", "Enter an amount such as 25,000.00."),
        ({"amount": "12.345"}, "amount", "USD amounts have 2 decimal places."),
        ({"amount": "1e999999"}, "amount", "Enter an amount such as 25,000.00."),
        ({"amount": "0"}, "amount", "Must be at least 0.01 USD."),
        ({"amount": "-5"}, "amount", "Enter an amount such as 25,000.00."),
        ({"currency_code": "ZZZ"}, "currency_code", "Enter an ISO 4217 currency code, such as USD."),
        ({"currency_code": ""}, "currency_code", "This field is required."),
        ({"reference": "x" * 256}, "reference", "Ensure this value has at most 255 characters (it has 256)."),
        ({"reference": "4111 1111 1111 1111"}, "reference", CARD_NUMBER_MESSAGE),
    ],
)
def test_a_bad_bill_is_refused_next_to_its_field_and_changes_nothing(officer, changes, field, error):
    customer = approved_customer(limit=1_000_000)
    response = officer.post(bill_url(customer), {**GOOD_BILL, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    unchanged(customer, (1_000_000, 0, 0))


def test_billing_more_than_available_shows_the_services_reason_in_major_units(officer):
    customer = approved_customer(limit=1_000_000)
    response = officer.post(bill_url(customer), {**GOOD_BILL, "amount": "20,000"})
    assert response.status_code == 200
    refusal = "Not enough available credit: 10,000.00 USD available, 20,000.00 USD requested."
    assert response.context["form"].non_field_errors() == [refusal]
    assert refusal in response.content.decode()
    unchanged(customer, (1_000_000, 0, 0))


def test_billing_a_customer_on_hold_is_refused_with_the_services_reason(officer):
    customer = approved_customer(limit=1_000_000)
    credit_hold(customer=customer, actor=OFFICER, hold_code="fraud")
    response = officer.post(bill_url(customer), GOOD_BILL)
    assert response.context["form"].non_field_errors() == [f"Customer {customer.id}'s credit is on hold (fraud)."]
    unchanged(customer, (1_000_000, 0, 0))


def test_completing_a_billed_purchase_uses_its_reserve(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = billed(customer)
    response = officer.post(action_url("customer_purchase_complete", purchase), follow=True)
    purchase = reloaded(purchase)
    assert purchase.status == "completed"
    assert buckets(customer) == (700_000, 0, 300_000)
    assert messages_of(response) == [f"Completed 3,000.00 USD: used, due {purchase.due_at:%b %-d, %Y}."]
    assert response.redirect_chain == [(purchases_of(customer), 302)]


def test_completing_twice_shows_the_services_refusal_and_changes_nothing(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = completed_transaction(customer, 300_000)
    response = officer.post(action_url("customer_purchase_complete", purchase), follow=True)
    assert messages_of(response) == [
        f"Credit transaction {purchase.id} is completed; only billed transactions can be completed."
    ]
    assert buckets(customer) == (700_000, 0, 300_000)
    assert CreditLedgerEntry.objects.filter(customer=customer, entry_type="use").count() == 1


def test_cancelling_a_billed_purchase_gives_its_reserve_back(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = credit_transaction_bill(
        customer=customer, actor=API, amount=300_000, currency_code="USD", reference="PO-7"
    )
    response = officer.post(action_url("customer_purchase_cancel", purchase), follow=True)
    assert reloaded(purchase).status == "canceled"
    assert buckets(customer) == (1_000_000, 0, 0)
    assert messages_of(response) == ["Canceled 3,000.00 USD (PO-7): the reserve is available again."]


def test_cancelling_a_completed_purchase_is_refused(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = completed_transaction(customer, 300_000)
    response = officer.post(action_url("customer_purchase_cancel", purchase), follow=True)
    assert messages_of(response) == [
        f"Credit transaction {purchase.id} is completed; only billed transactions can be canceled."
    ]
    assert reloaded(purchase).status == "completed"


def test_a_partial_then_a_full_repayment(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = completed_transaction(customer, 300_000)
    form = officer.get(action_url("customer_purchase_repay", purchase)).context["form"]
    assert form.initial == {"amount": "3000.00"}
    assert form.fields["amount"].help_text == "3,000.00 USD outstanding: the whole of it, or a part."
    response = officer.post(action_url("customer_purchase_repay", purchase), {"amount": "1,000"}, follow=True)
    assert messages_of(response) == ["Recorded a repayment of 1,000.00 USD; 2,000.00 USD outstanding."]
    assert buckets(customer) == (800_000, 0, 200_000)
    form = officer.get(action_url("customer_purchase_repay", purchase)).context["form"]
    assert form.initial == {"amount": "2000.00"}
    response = officer.post(action_url("customer_purchase_repay", purchase), {"amount": "2000.00"}, follow=True)
    assert messages_of(response) == ["Recorded a repayment of 2,000.00 USD; 0.00 USD outstanding."]
    purchase = reloaded(purchase)
    assert (purchase.amount_repaid, purchase.repaid_at is not None) == (300_000, True)
    assert buckets(customer) == (1_000_000, 0, 0)
    assert CreditRepayment.objects.filter(transaction=purchase).count() == 2


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("", "This field is required."),
        ("0", "Must be at least 0.01 USD."),
        ("abc", "Enter an amount such as 25,000.00."),
        ("1.001", "USD amounts have 2 decimal places."),
        ("Infinity", "Enter an amount such as 25,000.00."),
    ],
)
def test_a_bad_repayment_is_refused_and_changes_nothing(officer, amount, error):
    customer = approved_customer(limit=1_000_000)
    purchase = completed_transaction(customer, 300_000)
    response = officer.post(action_url("customer_purchase_repay", purchase), {"amount": amount})
    assert response.status_code == 200
    assert response.context["form"].errors == {"amount": [error]}
    assert buckets(customer) == (700_000, 0, 300_000)
    assert not CreditRepayment.objects.exists()


def test_repaying_more_than_outstanding_shows_the_outstanding_in_major_units(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = completed_transaction(customer, 300_000)
    response = officer.post(action_url("customer_purchase_repay", purchase), {"amount": "3,000.01"})
    assert response.context["form"].errors == {
        "amount": [f"Credit transaction {purchase.id} has 3,000.00 USD outstanding."]
    }
    assert buckets(customer) == (700_000, 0, 300_000)
    assert not CreditRepayment.objects.exists()


def test_repaying_a_billed_purchase_is_refused(officer):
    customer = approved_customer(limit=1_000_000)
    purchase = billed(customer)
    response = officer.post(action_url("customer_purchase_repay", purchase), {"amount": "10"})
    assert response.context["form"].non_field_errors() == [
        f"Credit transaction {purchase.id} is billed; only completed transactions can be repaid."
    ]
    assert buckets(customer) == (700_000, 300_000, 0)


def test_a_purchase_of_another_customer_is_not_found(officer):
    purchase = billed(approved_customer())
    other = approved_customer()
    for name in ("customer_purchase_complete", "customer_purchase_cancel", "customer_purchase_repay"):
        url = reverse(f"staff:{name}", args=[other.id, purchase.id])
        assert officer.post(url, {"amount": "1"}).status_code == 404
    assert reloaded(purchase).status == "billed"


def test_an_action_goes_back_to_the_page_it_came_from_on_this_site_only(officer):
    customer = approved_customer(limit=1_000_000)
    first, second = billed(customer, 1000), billed(customer, 2000)
    back = reverse("staff:purchase_list") + "?status=billed"
    response = officer.post(action_url("customer_purchase_complete", first), {"next": back})
    assert response["Location"] == back
    response = officer.post(action_url("customer_purchase_cancel", second), {"next": "https://evil.example/"})
    assert response["Location"] == purchases_of(customer)
    repay = officer.post(action_url("customer_purchase_repay", first) + "?next=" + back, {"amount": "10"})
    assert repay["Location"] == back


def test_the_customer_page_offers_the_actions_each_purchase_allows_to_credit_officers(client_as):
    customer = approved_customer(limit=1_000_000)
    open_one, done = billed(customer, 1000), completed_transaction(customer, 2000)
    page = client_as("credit_officer").get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert bill_url(customer) in page
    assert action_url("customer_purchase_complete", open_one) in page
    assert action_url("customer_purchase_cancel", open_one) in page
    assert action_url("customer_purchase_repay", done) in page
    assert action_url("customer_purchase_complete", done) not in page
    page = client_as("account_manager").get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert bill_url(customer) not in page
    assert "purchases/" + open_one.id not in page


def test_no_bill_button_for_a_customer_who_may_not_buy(client_as):
    customer = CustomerFactory()
    page = client_as("credit_officer").get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert bill_url(customer) not in page


def test_the_purchases_list_filters_by_status_and_currency(officer):
    customer = approved_customer(limit=1_000_000)
    euro = approved_customer(limit=1_000_000, currency="EUR")
    open_one, done = billed(customer, 1000), completed_transaction(customer, 2000)
    in_euros = credit_transaction_bill(customer=euro, actor=API, amount=500, currency_code="EUR")
    url = reverse("staff:purchase_list")
    assert [row.purchase.id for row in officer.get(url).context["rows"]] == [in_euros.id, done.id, open_one.id]
    assert [row.purchase.id for row in officer.get(url, {"status": "billed"}).context["rows"]] == [
        in_euros.id,
        open_one.id,
    ]
    response = officer.get(url, {"status": ["billed"], "currency_code": "USD"})
    assert [row.purchase.id for row in response.context["rows"]] == [open_one.id]
    assert str(euro) in officer.get(url).content.decode()


def test_a_bad_filter_shows_its_error_and_no_rows(officer):
    billed(approved_customer())
    response = officer.get(reverse("staff:purchase_list"), {"currency_code": "usd"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Comma-separated ISO 4217 currency codes, such as USD,EUR." in response.content.decode()


def test_the_purchases_list_pages_newest_first(officer):
    customer = approved_customer(limit=10_000_000)
    made = [billed(customer, 100 + n) for n in range(53)]
    first = officer.get(reverse("staff:purchase_list"))
    assert [row.purchase.id for row in first.context["rows"]] == [p.id for p in reversed(made)][:50]
    second = officer.get(reverse("staff:purchase_list"), {"after": first.context["page"].end_cursor})
    assert [row.purchase.id for row in second.context["rows"]] == [p.id for p in reversed(made)][50:]


def test_the_purchases_list_takes_the_same_queries_for_many_customers(officer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert officer.get(reverse("staff:purchase_list")).status_code == 200
        return len(queries)

    billed(approved_customer())
    few = count()
    for _ in range(5):
        completed_transaction(approved_customer(), 1000)
    assert count() == few
