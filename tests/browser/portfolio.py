"""A small book of customers for the browser tests, with something in every chart and section."""

from datetime import timedelta

from django.utils import timezone

from credit.engine import ScorecardProvider
from credit.models import CreditCheck
from customers.models import Customer
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory
from tests.staff.builders import completed_purchase, grant_line


def referred_check(customer, *, requested_at):
    """A check the scorecard referred to the review queue, requested at `requested_at` (scored by the engine itself,
    so the page shows what it would for a real referral)."""
    check = CreditCheck(
        customer=customer,
        amount_requested=2_500_000,
        has_purchase_history=False,
        status="in_review",
        referred_at=requested_at,
        business_description="Wholesale flowers for hotels and weddings",
    )
    result = ScorecardProvider().evaluate(customer=customer, check=check)
    assert result.outcome == "refer", result.reasons
    check.score, check.reasons, check.scorecard = result.score, result.reasons, result.scorecard.to_json()
    check.inputs = {**result.inputs, "provider": result.provider}
    check.save()
    CreditCheck.objects.filter(pk=check.pk).update(requested_at=requested_at)
    return check


def portfolio():
    """A small book with something in every chart: credit states, lines in two currencies, aged purchases, a queue."""
    now = timezone.now()
    for index, (name, status) in enumerate(
        [("Bluebird Coffee Roasters", "approved"), ("Granite Peak Builders", "approved"), ("Cobalt Robotics", None),
         ("Delta Marine Parts", "declined"), ("Evergreen Landscaping", "hold"), ("Foxglove Florists", "pending"),
         ("Harbor Logistics", "approved"), ("Ironwood Furniture", "deactivated")]
    ):  # fmt: skip
        customer = CustomerFactory(
            name=name,
            email=f"ap@{name.split()[0].lower()}.com",
            credit_status=status,
            credit_currency="USD" if status in {"approved", "hold", "deactivated"} else None,
            credit_check_requested_at=now if status else None,
            default_terms="net30" if status == "approved" else None,
            net_terms_status="enrolled" if status == "approved" else None,
            hold_code="requested_by_merchant" if status == "hold" else None,
        )
        CustomerUserFactory(customer=customer, email=f"buyer{index}@{name.split()[0].lower()}.com")
        PaymentMethodFactory(customer=customer, is_default=True)
        if status in {"approved", "hold", "deactivated"}:
            grant_line(customer, 5_000_000 + index * 1_000_000)
        if status == "pending":
            referred_check(customer, requested_at=now - timedelta(hours=5))
    bluebird = Customer.objects.get(name="Bluebird Coffee Roasters")
    for amount, days in ((900_000, -10), (400_000, 4), (250_000, 22), (150_000, 45), (80_000, 75)):
        completed_purchase(bluebird, amount, days_past_due=days)
    grant_line(Customer.objects.get(name="Granite Peak Builders"), 2_000_000, currency="CAD")
    return bluebird
