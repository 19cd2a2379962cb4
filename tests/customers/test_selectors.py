import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.actors import Actor
from core.errors import NotFound
from customers.selectors import customer_get, customer_list
from customers.services import customer_archive
from tests.factories import CustomerFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db


def ids(queryset):
    return [customer.id for customer in queryset]


def test_list_defaults_to_active_customers():
    active = CustomerFactory()
    archived = customer_archive(customer=CustomerFactory(), actor=Actor.system())
    assert ids(customer_list()) == [active.id]
    assert ids(customer_list(filters={"status": "archived"})) == [archived.id]
    assert set(ids(customer_list(filters={"status": "active,archived"}))) == {active.id, archived.id}


def test_list_rejects_unknown_status_value():
    with pytest.raises(ValidationError) as error:
        customer_list(filters={"status": "active,deleted"})
    assert "status" in error.value.message_dict


def test_search_matches_name_email_external_id_and_id_with_typos():
    target = CustomerFactory(name="Bluebird Coffee Roasters", email="ap@bluebird.com", external_id="ERP-77")
    CustomerFactory(name="Granite Peak Builders")
    assert ids(customer_list(filters={"search": "bluebird"})) == [target.id]
    assert ids(customer_list(filters={"search": "ERP-77"})) == [target.id]
    assert ids(customer_list(filters={"search": target.id})) == [target.id]
    assert ids(customer_list(filters={"search": "roasterz"})) == [target.id]


def test_email_filter_takes_csv_and_ignores_case():
    first, second = CustomerFactory(email="a@one.com"), CustomerFactory(email="b@two.com")
    CustomerFactory(email="c@three.com")
    assert set(ids(customer_list(filters={"email": "A@one.com,b@two.com"}))) == {first.id, second.id}


def test_customer_get_carries_default_payment_method_and_rejects_malformed_id():
    customer = CustomerFactory()
    method = PaymentMethodFactory(customer=customer, is_default=True)
    assert customer_get(customer_id=customer.id).default_payment_method_id == method.id
    with pytest.raises(NotFound):
        customer_get(customer_id="ctm_not-an-id")


def test_filter_forms_are_built_once_per_filterset_class_and_stay_independent():
    from customers.filters import CustomerFilterSet

    archived = CustomerFilterSet(data={"status": "archived"})
    by_email = CustomerFilterSet(data={"email": "A@one.com"})
    assert type(archived.form) is type(by_email.form)
    assert archived.is_valid() and by_email.is_valid()
    assert archived.form.cleaned_data["status"] == ["archived"] and not by_email.form.cleaned_data["status"]
    assert archived.form.fields["status"] is not by_email.form.fields["status"]


def test_search_falls_back_to_similar_words_only_when_nothing_contains_the_term():
    roasters = CustomerFactory(name="Bluebird Coffee Roasters")
    roastery = CustomerFactory(name="Roastery Supply Co")
    # "roaster" is in both names: the substring matches, and nothing merely similar is added.
    assert set(ids(customer_list(filters={"search": "roaster"}))) == {roasters.id, roastery.id}
    assert ids(customer_list(filters={"search": "roasters"})) == [roasters.id]
    # Nothing contains "roasterz": rows with a similar word are found instead.
    assert roasters.id in ids(customer_list(filters={"search": "roasterz"}))


def test_search_fallback_respects_the_other_filters():
    CustomerFactory(name="Bluebird Coffee Roasters", status="archived", archived_at=timezone.now())
    active = CustomerFactory(name="Bluebird Tea Roasterz")
    # An archived customer contains "roasters", but the active ones are searched: the typo fallback finds "roasterz".
    assert ids(customer_list(filters={"search": "roasters"})) == [active.id]
    assert ids(customer_list(filters={"search": "roasters", "credit_status": "approved"})) == []
