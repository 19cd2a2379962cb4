import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import ApiKey, Event, hash_api_key
from credit.models import CreditBalance, CreditLedgerEntry
from customers.models import Customer, CustomerUser, PaymentMethod

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Customer, CustomerUser, PaymentMethod, CreditBalance, CreditLedgerEntry, Event)
    }


def test_seed_demo_covers_every_credit_state_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    assert first["Customer"] >= 30
    states = set(Customer.objects.values_list("credit_account__credit_status", flat=True))
    assert states >= {None, "pending", "approved", "declined", "hold", "deactivated"}
    enrollment = set(Customer.objects.values_list("credit_account__net_terms_status", flat=True))
    assert enrollment >= {"pending_enrollment", "enrolled", "enrollment_expired"}
    assert Customer.objects.filter(status="archived").exists()

    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    assert counts() == first
    assert "already present" in output.getvalue()
    assert ApiKey.objects.filter(name="demo", revoked_at__isnull=True).count() == 1


def test_seeded_balances_equal_their_ledger():
    call_command("seed_demo", stdout=io.StringIO())
    for balance in CreditBalance.objects.all():
        entries = balance.entries.all()
        assert balance.available == sum(e.delta_available for e in entries)
        assert balance.reserved == sum(e.delta_reserved for e in entries)
        assert balance.used == sum(e.delta_used for e in entries)


def test_create_api_key_prints_key_last_and_stores_only_its_hash():
    output = io.StringIO()
    call_command("create_api_key", "--name", "erp", "--scopes", "customers:read credit:read", stdout=output)
    raw_key = output.getvalue().strip().splitlines()[-1]
    api_key = ApiKey.objects.get(name="erp")
    assert api_key.key_hash == hash_api_key(raw_key)
    assert raw_key not in (api_key.key_hash, api_key.key_hint)
    assert api_key.scope_set == {"customers:read", "credit:read"}


def test_create_api_key_rejects_unknown_scope_and_writes_nothing():
    with pytest.raises(CommandError, match="scopes"):
        call_command("create_api_key", "--name", "erp", "--scopes", "customers:read everything", stdout=io.StringIO())
    assert not ApiKey.objects.exists()
