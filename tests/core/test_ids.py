import re
from datetime import UTC, datetime

import pytest

from core.ids import ID_CLOCK_SLACK, first_id_at, id_bound, id_pattern, id_time, is_valid_id, new_id
from core.models import Event, WebhookDelivery
from credit.models import CreditBalance, CreditCheck, CreditDecision, CreditLedgerEntry, CreditTransaction
from customers.models import Customer, CustomerUser, PaymentMethod

PREFIXES = {
    Customer: "ctm",
    CustomerUser: "ctu",
    PaymentMethod: "paymtd",
    CreditCheck: "crc",
    CreditDecision: "cdc",
    CreditTransaction: "ctx",
    CreditLedgerEntry: "cle",
    Event: "evt",
    WebhookDelivery: "ntf",
    CreditBalance: "crb",
}


@pytest.mark.parametrize(("model", "prefix"), PREFIXES.items(), ids=lambda v: getattr(v, "__name__", v))
def test_model_ids_have_documented_prefix_and_shape(model, prefix):
    value = model().pk
    assert re.fullmatch(rf"^{prefix}_[a-z\d]{{26}}$", value), value


def test_customer_id_matches_spec_pattern():
    assert re.fullmatch(r"^ctm_[a-z\d]{26}$", Customer().pk)
    assert id_pattern("ctm") == r"^ctm_[a-z\d]{26}$"


def test_ids_sort_by_creation_even_within_one_millisecond():
    ids = [new_id("ctm") for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_is_valid_id_rejects_wrong_prefix_case_and_length():
    good = new_id("ctm")
    assert is_valid_id(good, "ctm")
    assert not is_valid_id(good.upper(), "ctm")
    assert not is_valid_id(good, "ctu")
    assert not is_valid_id(good[:-1], "ctm")
    assert not is_valid_id("ctm_" + "!" * 26, "ctm")


@pytest.mark.django_db
def test_customers_listed_by_id_come_back_in_creation_order():
    from tests.factories import CustomerFactory

    created = [CustomerFactory().pk for _ in range(30)]
    assert list(Customer.objects.order_by("id").values_list("id", flat=True)) == created


def test_forked_processes_do_not_make_the_ids_their_siblings_make(monkeypatch):
    import multiprocessing
    import time

    from core import ids

    # The parent's last id, a minute ahead (as if made within the children's millisecond): a child continuing from
    # it would make the same ids as its sibling.
    monkeypatch.setattr(ids, "_last", (time.time_ns() // 1_000_000 + 60_000) << 80)
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        first, second = pool.map(_ids, [500, 500])
    assert not set(first) & set(second)
    assert first == sorted(first) and second == sorted(second)


def _ids(count: int) -> list[str]:
    return [new_id("ctm") for _ in range(count)]


def test_ids_are_python_ulid_strings_lowercased():
    from ulid import ULID

    value = new_id("evt").removeprefix("evt_")
    assert str(ULID.from_str(value.upper())).lower() == value


@pytest.mark.parametrize("value", [0, 1, 2**80 - 1, 2**80, 2**128 - 1, 0x0192_3F8A_1B2C_4D5E_6F70_8192_A3B4_C5D6])
def test_ids_spell_a_ulid_as_python_ulid_does(value):
    from ulid import ULID

    from core.ids import _encode

    assert _encode(value) == str(ULID.from_int(value)).lower()


def test_a_creation_time_bound_gives_an_id_bound_with_a_day_of_slack():
    moment = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert id_bound("evt", moment, lower=True) == first_id_at("evt", moment - ID_CLOCK_SLACK)
    assert id_bound("evt", moment, lower=False) == first_id_at("evt", moment + ID_CLOCK_SLACK)
    assert id_time(id_bound("evt", moment, lower=True)) == datetime(2026, 3, 9, 12, tzinfo=UTC)
    # No id is near these: no bound rather than an error.
    assert id_bound("evt", datetime(9999, 12, 31, 12, tzinfo=UTC), lower=False) is None
    assert id_bound("evt", datetime(1, 1, 1, tzinfo=UTC), lower=True) is None
    assert id_bound("evt", datetime(1969, 6, 1, tzinfo=UTC), lower=False) is None
