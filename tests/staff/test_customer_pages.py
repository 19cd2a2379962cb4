import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.actors import Actor
from core.models import Event
from credit.services import credit_hold, credit_line_update
from customers.models import Customer, CustomerUser, PaymentMethod
from customers.services import customer_archive, customer_update
from tests.credit.builders import accept_terms, approved_customer, completed_purchase, grant_line
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory, StaffUserFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

VALID = {"email": "ap@newco.com", "name": "NewCo", "locale": "en", "country": "us", "postal_code": "10001"}


@pytest.fixture
def manager(client_as):
    return client_as("account_manager")


def detail(customer) -> str:
    return reverse("staff:customer_detail", args=[customer.id])


def test_create_goes_through_the_service_and_records_who_did_it(manager):
    response = manager.post(reverse("staff:customer_create"), VALID)
    customer = Customer.objects.get(email="ap@newco.com")
    assert response.status_code == 302
    assert response["Location"] == detail(customer)
    assert customer.country == "US"
    event = Event.objects.get(customer=customer, event_type="customer.created")
    assert (event.actor_type, event.actor_id) == ("staff", str(manager.user.pk))


def test_create_with_a_taken_email_shows_the_api_error_next_to_email(manager):
    existing = CustomerFactory(email="ap@newco.com")
    response = manager.post(reverse("staff:customer_create"), VALID)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [f"customer email conflicts with customer of id {existing.id}"]
    assert response.context["conflict"] == existing
    assert reverse("staff:customer_detail", args=[existing.id]) in response.content.decode()
    assert Customer.objects.count() == 1


def test_create_with_a_bad_country_shows_the_model_error_next_to_country(manager):
    response = manager.post(reverse("staff:customer_create"), {**VALID, "country": "U1"})
    assert response.status_code == 200
    assert response.context["form"].errors["country"] == ["Enter an ISO 3166-1 alpha-2 country code, such as US."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Customer.objects.exists()


def test_create_without_email_is_refused_before_the_service(manager):
    response = manager.post(reverse("staff:customer_create"), {**VALID, "email": ""})
    assert response.context["form"].errors["email"] == ["This field is required."]
    assert not Customer.objects.exists()


def test_edit_sends_only_changed_fields_and_records_one_update(manager):
    customer = CustomerFactory(name="Old name", city="Austin")
    form = {name: value for name, value in manager.get(reverse("staff:customer_edit", args=[customer.id])).context[
        "form"
    ].initial.items() if value is not None}  # fmt: skip
    response = manager.post(reverse("staff:customer_edit", args=[customer.id]), {**form, "name": "New name"})
    assert response.status_code == 302
    customer = reloaded(customer)
    assert (customer.name, customer.city) == ("New name", "Austin")
    updates = Event.objects.filter(customer=customer, event_type="customer.updated")
    assert updates.count() == 1
    assert updates.get().data["name"] == "New name"
    assert updates.get().data["previous_attributes"] == {"name": "Old name"}


def test_edit_to_an_email_another_active_customer_has_is_refused(manager):
    other = CustomerFactory(email="taken@x.com")
    customer = CustomerFactory()
    response = manager.post(reverse("staff:customer_edit", args=[customer.id]), {**VALID, "email": "taken@x.com"})
    assert response.context["form"].errors["email"] == [f"customer email conflicts with customer of id {other.id}"]
    customer = reloaded(customer)
    assert customer.email != "taken@x.com"


def test_archive_then_restore(manager):
    customer = CustomerFactory()
    manager.post(reverse("staff:customer_archive", args=[customer.id]))
    customer = reloaded(customer)
    assert customer.status == "archived"
    manager.post(reverse("staff:customer_restore", args=[customer.id]))
    customer = reloaded(customer)
    assert customer.status == "active"
    assert list(Event.objects.filter(customer=customer).values_list("event_type", flat=True)) == [
        "customer.archived", "customer.restored",
    ]  # fmt: skip


def test_restore_refused_when_the_email_is_taken_again_says_why(manager):
    customer = customer_archive(customer=CustomerFactory(email="a@b.com"), actor=Actor.system())
    CustomerFactory(email="a@b.com")
    response = manager.post(reverse("staff:customer_restore", args=[customer.id]), follow=True)
    customer = reloaded(customer)
    assert customer.status == "archived"
    assert "customer email conflicts with customer of id" in response.content.decode()


def test_archive_is_post_only(manager):
    customer = CustomerFactory()
    assert manager.get(reverse("staff:customer_archive", args=[customer.id])).status_code == 405


def test_add_user_with_duplicate_email_shows_the_conflict_next_to_email(manager):
    user = CustomerUserFactory(email="buyer@x.com")
    response = manager.post(
        reverse("staff:customer_user_create", args=[user.customer_id]), {"email": "Buyer@x.com", "first_name": "B"}
    )
    assert response.context["form"].errors["email"] == ["This customer already has a user with this email."]
    assert CustomerUser.objects.count() == 1


def test_add_user(manager):
    customer = CustomerFactory()
    manager.post(reverse("staff:customer_user_create", args=[customer.id]), {"email": "b@x.com", "first_name": "Bo"})
    assert list(customer.users.values_list("email", "first_name")) == [("b@x.com", "Bo")]


def card(**overrides):
    fields = {"type": "card", "provider": "stripe", "provider_token": "tok_1", "last4": "4242", "card_brand": "visa",
              "exp_month": "12", "exp_year": "2030", "bank_account_type": "ach", "bank_name": "Ignored"}  # fmt: skip
    return {**fields, **overrides}


def test_add_card_keeps_only_card_fields_and_first_method_is_default(manager):
    customer = CustomerFactory()
    response = manager.post(reverse("staff:payment_method_create", args=[customer.id]), card())
    assert response.status_code == 302
    method = customer.payment_methods.get()
    assert (method.type, method.last4, method.bank_account_type, method.bank_name, method.is_default) == (
        "card", "4242", None, "", True,
    )  # fmt: skip


def test_add_bank_account_without_its_type_is_refused_next_to_the_field(manager):
    customer = CustomerFactory()
    url = reverse("staff:payment_method_create", args=[customer.id])
    response = manager.post(url, {"type": "bank_account", "provider_token": "tok_b", "last4": "6789"})
    assert response.context["form"].errors["bank_account_type"] == ["Bank accounts need a type: ach, pad or eft."]
    assert not PaymentMethod.objects.exists()


def test_a_full_card_number_is_refused_wherever_it_is_typed(manager):
    customer = CustomerFactory()
    url = reverse("staff:payment_method_create", args=[customer.id])
    response = manager.post(url, card(provider_token="4242 4242 4242 4242"))
    assert response.status_code == 200
    assert "never accepted" in response.context["form"].errors["provider_token"][0]
    assert not PaymentMethod.objects.exists()


def test_make_default_and_delete(manager):
    customer = CustomerFactory()
    first = PaymentMethodFactory(customer=customer, is_default=True)
    second = PaymentMethodFactory(customer=customer)
    manager.post(reverse("staff:payment_method_default", args=[customer.id, second.id]))
    assert list(customer.payment_methods.filter(is_default=True).values_list("id", flat=True)) == [second.id]
    manager.post(reverse("staff:payment_method_delete", args=[customer.id, first.id]))
    assert list(customer.payment_methods.values_list("id", flat=True)) == [second.id]


def test_payment_method_of_another_customer_is_not_found(manager):
    customer, other = CustomerFactory(), PaymentMethodFactory()
    response = manager.post(reverse("staff:payment_method_delete", args=[customer.id, other.id]))
    assert response.status_code == 404
    assert PaymentMethod.objects.filter(pk=other.pk).exists()


def test_actions_on_an_archived_customer_are_refused_with_a_message(manager):
    customer = CustomerFactory()
    method = PaymentMethodFactory(customer=customer, is_default=True)
    customer_archive(customer=customer, actor=Actor.system())
    response = manager.post(reverse("staff:payment_method_delete", args=[customer.id, method.id]), follow=True)
    assert f"Customer {customer.id} is archived." in response.content.decode()
    assert PaymentMethod.objects.filter(pk=method.pk).exists()


def test_malformed_or_unknown_customer_id_is_404(manager):
    assert manager.get("/staff/customers/ctm_nope").status_code == 404
    assert manager.get("/staff/customers/ctm_00000000000000000000000000").status_code == 404


def test_detail_shows_each_currency_with_its_utilization(client_as):
    customer = approved_customer(limit=100000)
    completed_purchase(customer, 25000, days_past_due=-10)
    grant_line(customer, 5000, currency="CAD")
    response = client_as("viewer").get(detail(customer))
    balances = {balance.currency_code: balance for balance in response.context["credit_balances"]}
    assert (balances["USD"].credit_limit, balances["USD"].used, balances["USD"].utilization) == (100000, 25000, 0.25)
    assert balances["CAD"].utilization == 0
    html = response.content.decode()
    assert "USD · 25.0 % in use" in html
    assert "1,000.00 USD" in html


def test_detail_lists_history_newest_first(client_as):
    customer = CustomerFactory()
    customer_update(customer=customer, actor=Actor.system(), data={"name": "Renamed"})
    customer_archive(customer=customer, actor=Actor.system())
    events = client_as("viewer").get(detail(customer)).context["events"]
    assert [entry.event.event_type for entry in events.items] == ["customer.archived", "customer.updated"]


def test_events_page_pages_through_the_whole_history(client_as):
    customer = CustomerFactory()
    for index in range(55):
        customer_update(customer=customer, actor=Actor.system(), data={"name": f"Name {index}"})
    viewer = client_as("viewer")
    url = reverse("staff:customer_events", args=[customer.id])
    first = viewer.get(url).context["page"]
    second = viewer.get(url, {"after": first.end_cursor}).context["page"]
    assert len(first.items) + len(second.items) == 55
    assert not second.has_more
    assert first.items[0].event.data["name"] == "Name 54"
    assert [(change.field, change.before, change.after) for change in first.items[0].changes] == [
        ("Name", "Name 53", "Name 54")
    ]


def detail_queries(client, customer) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(customer)).status_code == 200
    return len(queries)


def test_detail_page_query_count_does_not_grow_with_related_rows(client_as):
    viewer = client_as("viewer")
    customer = accept_terms(approved_customer(limit=1_000_000, via_check=True))
    completed_purchase(customer, 1000, days_past_due=2)
    PaymentMethodFactory(customer=customer, is_default=True)
    few = detail_queries(viewer, customer)
    for index, currency in enumerate(("CAD", "EUR", "GBP", "CHF", "JPY", "AUD", "NZD", "SEK")):
        CustomerUserFactory(customer=customer)
        PaymentMethodFactory(customer=customer)
        grant_line(customer, 1000, currency=currency)
        customer_update(customer=customer, actor=Actor.system(), data={"name": f"Name {index}"})
        officer = Actor.staff(StaffUserFactory())
        credit_line_update(customer=customer, actor=officer, credit_limit=2_000_000 + index, reason="more")
        completed_purchase(customer, 1000, days_past_due=index)
    assert detail_queries(viewer, customer) == few
    credit_hold(customer=customer, actor=Actor.staff(viewer.user), hold_code="other")
    assert detail_queries(viewer, customer) == few
    # session, user, groups, customer, users, payment methods, events, names of who acted in them; credit: account,
    # balances, check, decisions, purchases, ledger, names of who acted, notes; the summary's past due (per currency)
    # and next follow-up (two more since the summary header, constant whatever the history's length)
    assert few <= 18


def test_the_add_user_form_offers_payment_reminders_ticked_and_keeps_an_untick(manager):
    customer = CustomerFactory()
    url = reverse("staff:customer_user_create", args=[customer.id])
    form = manager.get(url).content.decode()
    assert 'name="payment_reminders"' in form and "Email payment reminders" in form
    assert re.search(r'<input[^>]*name="payment_reminders"[^>]*checked', form)

    manager.post(url, {"email": "on@x.com", "payment_reminders": "on"})
    manager.post(url, {"email": "off@x.com"})  # an unticked box is not sent

    assert dict(customer.users.values_list("email", "payment_reminders")) == {"on@x.com": True, "off@x.com": False}
    page = manager.get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert page.count("no payment reminders") == 1


def test_the_user_form_offers_the_role_admin_first_then_member(manager):
    customer = CustomerFactory()
    url = reverse("staff:customer_user_create", args=[customer.id])
    assert manager.get(url).context["form"]["role"].value() == "admin"
    manager.post(url, {"email": "a@x.com"})  # no role sent: the service's default
    assert manager.get(url).context["form"]["role"].value() == "member"
    manager.post(url, {"email": "b@x.com", "role": "admin"})
    manager.post(url, {"email": "c@x.com", "role": "member"})
    assert dict(customer.users.values_list("email", "role")) == {
        "a@x.com": "admin",
        "b@x.com": "admin",
        "c@x.com": "member",
    }
    response = manager.post(url, {"email": "d@x.com", "role": "owner"})
    assert "role" in response.context["form"].errors and not customer.users.filter(email="d@x.com").exists()
    page = manager.get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    assert page.count('data-label="Role">Admin<') == 2 and page.count('data-label="Role">Member<') == 1
