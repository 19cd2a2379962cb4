import gc

import pytest
from django.db import transaction

from core.bulk import bulk_insert, collection_paused
from core.models import Event
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_bulk_insert_writes_what_save_would_write():
    customers = [Customer(email=f"b{n}@bulk.example", name=f"Bulk {n}", custom_data={"n": n}) for n in range(3)]
    for customer in customers:
        customer.normalise()
    with transaction.atomic():
        bulk_insert(Customer, customers)

    stored = list(Customer.objects.filter(email__endswith="@bulk.example").order_by("id"))
    assert [c.id for c in stored] == [c.id for c in customers]
    assert [c.custom_data for c in stored] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(c.created_at is not None and c.updated_at is not None for c in stored)
    assert stored[0].search_document == f"bulk 0 b0@bulk.example {customers[0].id}"
    assert stored[0].locale == "en" and stored[0].status == "active"
    assert not customers[0]._state.adding


def test_bulk_insert_of_nothing_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert(Event, []) == []


def field_values(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_new_instance_is_the_keyword_constructor_made_faster():
    from core.bulk import new_instance

    values = {"email": "n@new.example", "name": "New", "custom_data": {"a": 1}, "marketing_consent": True}
    fast, slow = new_instance(Customer, values), Customer(**values)
    fast_values, slow_values = field_values(fast), field_values(slow)
    assert fast_values.pop("id") != slow_values.pop("id")  # each gets a fresh id
    assert fast_values == slow_values
    assert fast.id.startswith("ctm_") and fast._state.adding

    event = new_instance(Event, {"event_type": "customer.created", "customer_id": fast.id, "data": {}})
    assert event.customer_id == fast.id and event.id.startswith("evt_")


def test_new_instance_refuses_an_unknown_field():
    from core.bulk import new_instance

    with pytest.raises(TypeError, match="nickname"):
        new_instance(Customer, {"email": "n@new.example", "nickname": "x"})


def test_collection_is_paused_inside_and_resumed_after_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # paused by someone else: left as it was
    finally:
        gc.enable()
