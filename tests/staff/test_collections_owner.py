"""A customer's collections owner (credit.services.collections_owner_set, the customer page's form), the worklist's
purchase status and owner filters, and the oldest unpaid due date the purchase services keep on the account."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Event
from credit.models import CreditAccount
from credit.services import credit_transaction_repay
from tests.credit.builders import API, approved_customer, completed_purchase, completed_purchases
from tests.factories import CustomerFactory
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db

WORKLIST = "/staff/collections"
OWNER_EVENT = "customer.collections_owner_updated"


def owner_url(customer) -> str:
    return reverse("staff:customer_collections_owner", args=[customer.id])


def owner_of(customer) -> str | None:
    owner = CreditAccount.objects.get(pk=customer.pk).collections_owner
    return owner.username if owner else None


def owner_events(customer) -> list[dict]:
    return [event.data for event in Event.objects.filter(customer_id=customer.id, event_type=OWNER_EVENT)]


def ids(response) -> list[str]:
    return [row.purchase.id for row in response.context["rows"]]


@pytest.fixture
def officer(client_as):
    return client_as("credit_officer")


# --- the owner: who may set it, to whom, and what it records ---


def test_a_credit_officer_gives_a_customer_to_a_member_of_staff_and_the_history_says_so(officer):
    customer = approved_customer()
    manager = staff_user("account_manager")
    response = officer.post(owner_url(customer), {"owner": manager.username})
    assert response.status_code == 302
    assert response["Location"].endswith("#collections-owner")
    assert owner_of(customer) == manager.username
    assert owner_events(customer) == [
        {"customer_id": customer.id, "collections_owner": manager.username, "previous_collections_owner": None}
    ]
    page = officer.get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert "Collections owner" in page and f'<option value="{manager.username}" selected>' in page
    history = officer.get(reverse("staff:customer_events", args=[customer.id])).content.decode()
    assert "Collections owner" in history and manager.username in history


def test_clearing_the_owner_and_setting_the_same_one_again(officer):
    customer = approved_customer()
    manager = staff_user("account_manager")
    officer.post(owner_url(customer), {"owner": manager.username})
    officer.post(owner_url(customer), {"owner": manager.username})
    assert len(owner_events(customer)) == 1  # no change, nothing recorded
    assert officer.post(owner_url(customer), {"owner": ""}).status_code == 302
    assert owner_of(customer) is None
    assert owner_events(customer)[-1]["previous_collections_owner"] == manager.username
    assert owner_events(customer)[-1]["collections_owner"] is None


def _inactive():
    user = staff_user("credit_officer")
    user.is_active = False
    user.save()
    return user


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "nobody-by-this-name", "No staff user is named"),
        (lambda: staff_user(None).username, "has no role that speaks with customers"),
        (lambda: staff_user("viewer").username, "has no role that speaks with customers"),
        (lambda: _inactive().username, "is inactive"),
    ],
    ids=["unknown", "no-staff-role", "viewer", "inactive"],
)
def test_an_owner_the_rule_refuses_is_a_form_error_and_changes_nothing(officer, make, message):
    customer = approved_customer()
    manager = staff_user("account_manager")
    officer.post(owner_url(customer), {"owner": manager.username})
    response = officer.post(owner_url(customer), {"owner": make()})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["owner"])
    assert owner_of(customer) == manager.username
    assert len(owner_events(customer)) == 1


def test_a_customer_never_credit_checked_has_no_owner_to_set(officer):
    customer = CustomerFactory()
    response = officer.post(owner_url(customer), {"owner": staff_user("credit_officer").username})
    assert response.status_code == 200
    assert "never been credit checked" in response.content.decode()
    assert not CreditAccount.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", False), ("account_manager", False), ("credit_officer", True), ("superuser", True)],
)
def test_only_credit_officers_and_superusers_set_the_owner(client_as, role, allowed):
    customer = approved_customer()
    client = client_as(role)
    target = staff_user("credit_officer")
    response = client.post(owner_url(customer), {"owner": target.username})
    assert response.status_code == (302 if allowed else 403)
    assert owner_of(customer) == (target.username if allowed else None)
    page = client.get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert ('data-testid="owner-form"' in page) is allowed
    assert 'id="collections-owner"' in page


# --- the worklist's status and owner filters ---


def test_the_worklist_filters_by_owner_me_no_one_or_a_named_member_of_staff(officer):
    mine, theirs, nobodys = (approved_customer(limit=10_000_000) for _ in range(3))
    colleague = staff_user("account_manager")
    officer.post(owner_url(mine), {"owner": officer.user.username})
    officer.post(owner_url(theirs), {"owner": colleague.username})
    p_mine = completed_purchase(mine, 1000, days_past_due=5)
    p_theirs = completed_purchase(theirs, 1000, days_past_due=6)
    p_nobody = completed_purchase(nobodys, 1000, days_past_due=7)
    assert ids(officer.get(WORKLIST, {"owner": "me"})) == [p_mine.id]
    assert ids(officer.get(WORKLIST, {"owner": "unassigned"})) == [p_nobody.id]
    assert ids(officer.get(WORKLIST, {"owner": colleague.username})) == [p_theirs.id]
    assert ids(officer.get(WORKLIST)) == [p_nobody.id, p_theirs.id, p_mine.id]
    html = officer.get(WORKLIST).content.decode()
    assert f"Owner: {colleague.username}" in html and "No owner" in html


def test_the_worklist_filters_by_purchase_status_combined_with_bucket_currency_and_owner(officer):
    usd = approved_customer(limit=10_000_000)
    eur = approved_customer(limit=10_000_000, currency="EUR")
    officer.post(owner_url(usd), {"owner": officer.user.username})
    unpaid, partly, old_partly = completed_purchases(usd, [(1000, 5, 0), (2000, 6, 500), (3000, 40, 100)])
    completed_purchase(eur, 1000, days_past_due=5, currency="EUR", repaid=100)
    assert ids(officer.get(WORKLIST, {"status": "unpaid"})) == [unpaid.id]
    assert set(ids(officer.get(WORKLIST, {"status": "partly_repaid", "currency_code": "USD"}))) == {
        partly.id,
        old_partly.id,
    }
    query = {"status": "partly_repaid", "currency_code": "USD", "bucket": "1-15", "owner": "me"}
    assert ids(officer.get(WORKLIST, query)) == [partly.id]
    assert ids(officer.get(WORKLIST, {**query, "owner": "unassigned"})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [({"owner": "someone-else"}, "owner"), ({"status": "billed"}, "status"), ({"owner": "ME"}, "owner")],
)
def test_a_bad_status_or_owner_is_a_form_error_with_no_rows(officer, query, field):
    completed_purchase(approved_customer(), 1000, days_past_due=5)
    response = officer.get(WORKLIST, query)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert response.context["rows"] == []


def test_filters_survive_paging_and_sorting(officer):
    mine = approved_customer(limit=100_000_000)
    other = approved_customer(limit=100_000_000)
    officer.post(owner_url(mine), {"owner": officer.user.username})
    made = completed_purchases(mine, [(1000 + n, n + 1, 100 if n % 2 else 0) for n in range(110)])
    completed_purchases(other, [(1000, 3, 0), (1000, 4, 100)])
    expected = [p.id for n, p in reversed(list(enumerate(made))) if n % 2 == 0]
    query = {"owner": "me", "status": "unpaid", "order_by": "outstanding[DESC]"}
    first = officer.get(WORKLIST, query)
    html = first.content.decode()
    # The next page's link carries every filter and the order.
    assert "owner=me" in html and "status=unpaid" in html and "order_by=outstanding%5BDESC%5D" in html
    second = officer.get(WORKLIST, {**query, "after": first.context["page"].end_cursor})
    assert ids(first) + ids(second) == expected


def test_the_filtered_worklist_takes_the_same_queries_however_many_rows(officer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = officer.get(WORKLIST, {"owner": "me", "status": "unpaid", "bucket": "1-15"})
            assert response.status_code == 200
        return len(queries)

    first = approved_customer(limit=10_000_000)
    officer.post(owner_url(first), {"owner": officer.user.username})
    completed_purchase(first, 1000, days_past_due=4)
    few = count()
    for n in range(5):
        customer = approved_customer(limit=10_000_000)
        officer.post(owner_url(customer), {"owner": officer.user.username})
        completed_purchases(customer, [(1000, n + 1, 0), (2000, n + 2, 0)])
    assert count() == few
    # session, user, groups, the owner choices, the page (customers, owners, notes' figures), the promises
    assert few <= 6


# --- the oldest unpaid due date, kept by the purchase services ---


def oldest(customer):
    return CreditAccount.objects.get(pk=customer.pk).oldest_unpaid_due_at


def test_completing_and_repaying_purchases_keeps_the_oldest_unpaid_due_date():
    customer = approved_customer(limit=10_000_000)
    assert oldest(customer) is None
    newer, older = completed_purchases(customer, [(1000, 2, 0), (1000, 9, 0)])
    assert oldest(customer) == older.due_at
    credit_transaction_repay(credit_transaction=older, actor=API, amount=400)  # partly: still owed
    assert oldest(customer) == older.due_at
    credit_transaction_repay(credit_transaction=older, actor=API, amount=600)
    assert oldest(customer) == newer.due_at
    credit_transaction_repay(credit_transaction=newer, actor=API, amount=1000)
    assert oldest(customer) is None
    later = completed_purchase(customer, 500, days_past_due=-10)
    assert oldest(customer) == later.due_at > timezone.now() + timedelta(days=9)
