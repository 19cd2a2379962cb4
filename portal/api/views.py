"""POST /customers/{id}/portal-sessions: a merchant's app hands a signed-in user straight to the buyer portal
(Paddle's customer portal sessions). A thin adapter over portal.services.portal_link_create."""

from core.api.schema import api_operation
from core.api.views import ApiView
from core.links import request_url
from core.models import Scope
from customers.selectors import customer_get
from portal.api.outputs import PortalSessionOut
from portal.api.serializers import PortalSessionInput
from portal.models import PortalLinkSource
from portal.presenters import portal_session_to_dict
from portal.services import portal_link_create, portal_link_path


class PortalSessionCreateView(ApiView):
    read_scope = Scope.CUSTOMERS_READ  # no GET: a reader gets 405, as on every POST-only operation
    write_scope = Scope.CUSTOMERS_WRITE
    openapi_tags = ["Customers"]
    # An Idempotency-Key replay would hand out the stored single-use link again (and store its token): not honoured.
    idempotent = False

    @api_operation(
        operation_id="createCustomerPortalSession",
        summary="Create a customer portal session",
        description="A single-use link (`urls.general.overview`) that signs into the buyer portal: for the customer "
        "user named by `customer_user_id` (an active user of this customer), or without it for the company (a "
        "session that can read everything the portal shows but not act where a person is recorded). It works once, "
        "within 15 minutes (`expires_at`); give it to the person at once rather than storing it. Paddle's shape: "
        "`urls.subscriptions` is always empty, and `subscription_ids`, which Paddle's SDK may send, must be empty.",
        request=PortalSessionInput,
        response=PortalSessionOut,
        status=201,
        errors=("customer_archived", "customer_user_not_allowed"),
    )
    def post(self, request, customer_id):
        body = self.validated(PortalSessionInput)
        link, token = portal_link_create(
            customer=customer_get(customer_id=customer_id),
            customer_user_id=body.get("customer_user_id"),
            source=PortalLinkSource.API,
            actor=self.actor,
        )
        url = request_url(request, portal_link_path(token))
        return self.respond(portal_session_to_dict(link, overview_url=url), status=201)
