"""credit.vocabulary.TRANSITIONS is the one table of which credit action may happen in which credit status. These tests
walk it: for every staff action and every credit status a customer can be in, the service does exactly what the table
says (allowed: the status it names; refused: invalid_credit_status, nothing changed), and the customer page offers
exactly the buttons the table allows."""

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from credit.models import CreditDecision
from credit.services import (
    credit_check_request,
    credit_deactivate,
    credit_direct_approve,
    credit_hold,
    credit_line_update,
    credit_reinstate,
)
from credit.vocabulary import STAFF_ACTIONS, CreditAction, CreditStatus, action_allowed, action_result
from tests.credit.builders import API, OFFICER, customer_with_credit_status
from tests.reading import reloaded
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db

STATUSES = [None, *CreditStatus.values]

SERVICES = {
    CreditAction.REQUEST_CHECK: lambda customer: credit_check_request(
        customer=customer, actor=API, amount_requested=1000, has_purchase_history=True
    ),
    CreditAction.DIRECT_APPROVE: lambda customer: credit_direct_approve(
        customer=customer, actor=OFFICER, amount=1000, default_terms="net30"
    ),
    CreditAction.ADJUST_LINE: lambda customer: credit_line_update(
        customer=customer, actor=OFFICER, credit_limit=2_000_000, reason="review"
    ),
    CreditAction.HOLD: lambda customer: credit_hold(customer=customer, actor=OFFICER, hold_code="other"),
    CreditAction.DEACTIVATE: lambda customer: credit_deactivate(customer=customer, actor=OFFICER),
    CreditAction.REINSTATE: lambda customer: credit_reinstate(customer=customer, actor=OFFICER),
}
# Where the buttons of the customer page lead.
BUTTONS = {
    CreditAction.REQUEST_CHECK: "staff:customer_credit_check",
    CreditAction.DIRECT_APPROVE: "staff:customer_credit_approve",
    CreditAction.ADJUST_LINE: "staff:customer_credit_line",
    CreditAction.HOLD: "staff:customer_credit_hold",
    CreditAction.DEACTIVATE: "staff:customer_credit_deactivate",
    CreditAction.REINSTATE: "staff:customer_credit_reinstate",
}


def test_every_staff_action_has_a_service_and_a_button():
    assert set(SERVICES) == set(BUTTONS) == set(STAFF_ACTIONS)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", STAFF_ACTIONS)
def test_the_service_does_what_the_table_says(action, status):
    customer = customer_with_credit_status(status)
    decisions = CreditDecision.objects.count()
    if action_allowed(action, status):
        SERVICES[action](customer)
        expected = action_result(action, status)
        # A request leaves the check pending (the engine decides later); every other action ends where the table says.
        assert reloaded(customer).credit_status == expected
    else:
        with pytest.raises(ApplicationError) as refused:
            SERVICES[action](customer)
        assert refused.value.code in {"invalid_credit_status", "credit_check_already_requested"}
        assert reloaded(customer).credit_status == status
        assert CreditDecision.objects.count() == decisions


@pytest.mark.parametrize("status", STATUSES)
def test_the_customer_page_offers_exactly_the_allowed_actions(client, status):
    customer = customer_with_credit_status(status)
    client.force_login(staff_user("superuser"))
    html = client.get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    for action, name in BUTTONS.items():
        shown = f'href="{reverse(name, args=[customer.id])}"' in html
        assert shown == action_allowed(action, status), (action, status)
