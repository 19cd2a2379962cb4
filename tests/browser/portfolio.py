"""A small book of customers for the browser tests, with something in every chart and section."""

from datetime import timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from credit.models import CreditCheck
from credit.services import (
    credit_check_decide,
    credit_check_decline,
    credit_check_request,
    credit_deactivate,
    credit_hold,
)
from customers.models import Customer
from tests.credit.builders import API, OFFICER, completed_purchases, grant_line
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory


def referred_check(customer, *, requested_at):
    """A check the engine referred to the review queue (through the services: request, then the engine's decision),
    as if requested at `requested_at`. Requested and decided in one transaction: the decision task published when it
    commits finds the check decided (a Celery worker another test started may be running)."""
    with transaction.atomic():
        check = credit_check_request(
            customer=customer,
            actor=API,
            amount_requested=2_500_000,
            has_purchase_history=False,
            business_description="Wholesale flowers for hotels and weddings",
        )
        with override_settings(CREDIT_DECISION_PROVIDER="credit.engine.ScorecardProvider"):
            check = credit_check_decide(credit_check_id=check.id)
    assert check.status == "in_review", check.reasons
    CreditCheck.objects.filter(pk=check.pk).update(requested_at=requested_at)
    return check


def portfolio():
    """A small book with something in every chart: credit states, lines in two currencies, aged purchases, a queue,
    each reached through the services."""
    now = timezone.now()
    names = [
        ("Bluebird Coffee Roasters", "approved"),
        ("Granite Peak Builders", "approved"),
        ("Cobalt Robotics", None),
        ("Delta Marine Parts", "declined"),
        ("Evergreen Landscaping", "hold"),
        ("Foxglove Florists", "pending"),
        ("Harbor Logistics", "approved"),
        ("Ironwood Furniture", "deactivated"),
    ]
    for index, (name, status) in enumerate(names):
        customer = CustomerFactory(name=name, email=f"ap@{name.split()[0].lower()}.com")
        CustomerUserFactory(customer=customer, email=f"buyer{index}@{name.split()[0].lower()}.com")
        PaymentMethodFactory(customer=customer, is_default=True)
        if status in {"approved", "hold", "deactivated"}:
            grant_line(customer, 5_000_000 + index * 1_000_000)
        if status == "hold":
            credit_hold(customer=customer, actor=OFFICER, hold_code="requested_by_merchant")
        elif status == "deactivated":
            credit_deactivate(customer=customer, actor=OFFICER)
        elif status == "declined":
            with transaction.atomic():  # declined before the decision task is published (see referred_check)
                check = credit_check_request(
                    customer=customer, actor=API, amount_requested=100_000, has_purchase_history=True
                )
                credit_check_decline(credit_check=check, actor=OFFICER, decline_code="failing_credit")
        elif status == "pending":
            referred_check(customer, requested_at=now - timedelta(hours=5))
    bluebird = Customer.objects.get(name="Bluebird Coffee Roasters")
    completed_purchases(
        bluebird, [(900_000, -10, 0), (400_000, 4, 0), (250_000, 22, 0), (150_000, 45, 0), (80_000, 75, 0)]
    )
    grant_line(Customer.objects.get(name="Granite Peak Builders"), 2_000_000, currency="CAD")
    return bluebird
