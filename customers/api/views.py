"""Customers, customer users and payment methods endpoints (docs/api.md). Thin adapters: validate with a serializer,
call a service or selector, answer with presenter output."""

from django.core.exceptions import ValidationError

from core.api.schema import api_operation
from core.api.views import ApiView
from core.models import Scope
from customers.api.outputs import CustomerOut, CustomerUserOut, PaymentMethodOut
from customers.api.serializers import (
    PAYMENT_METHOD_INPUTS,
    CustomerInput,
    CustomerUpdateInput,
    CustomerUserInput,
    CustomerUserUpdateInput,
    PaymentMethodInput,
)
from customers.filters import CustomerFilterSet, CustomerUserFilterSet, PaymentMethodFilterSet
from customers.presenters import customer_to_dict, customer_user_to_dict, payment_method_to_dict
from customers.selectors import (
    customer_get,
    customer_list,
    customer_user_get,
    customer_user_list,
    payment_method_get,
    payment_method_list,
)
from customers.services import (
    customer_archive,
    customer_create,
    customer_restore,
    customer_update,
    customer_user_archive,
    customer_user_create,
    customer_user_update,
    payment_method_add,
    payment_method_delete,
    payment_method_set_default,
)

CUSTOMER_ORDERING = ("id", "created_at", "updated_at", "name")
CHILD_ORDERING = ("id", "created_at", "updated_at")
# RFC 9745: Resolve deprecated enrollment through the API in July 2023.
ENROLL_DEPRECATION = "@1688169600"


class CustomersApiView(ApiView):
    read_scope = Scope.CUSTOMERS_READ
    write_scope = Scope.CUSTOMERS_WRITE
    openapi_tags = ["Customers"]

    def present_customer(self, customer_id: str, *, status: int = 200, headers: dict | None = None):
        # Re-read through the selector: one query brings the balance and default payment method along.
        return self.respond(customer_to_dict(customer_get(customer_id=customer_id)), status=status, headers=headers)


class CustomerListView(CustomersApiView):
    @api_operation(
        operation_id="listCustomers",
        summary="List customers",
        description="Active customers unless `status` says otherwise.",
        response=CustomerOut,
        paginated=True,
        filterset=CustomerFilterSet,
        ordering=CUSTOMER_ORDERING,
    )
    def get(self, request):
        return self.respond_page(
            customer_list(filters=request.query_params), present=customer_to_dict, ordering_fields=CUSTOMER_ORDERING
        )

    @api_operation(
        operation_id="createCustomer",
        summary="Create a customer",
        request=CustomerInput,
        response=CustomerOut,
        status=201,
        errors=("customer_already_exists",),
    )
    def post(self, request):
        customer = customer_create(actor=self.actor, **self.validated(CustomerInput))
        return self.respond(customer_to_dict(customer, new=True), status=201)


class CustomerDetailView(CustomersApiView):
    @api_operation(operation_id="getCustomer", summary="Get a customer", response=CustomerOut)
    def get(self, request, customer_id):
        return self.respond(customer_to_dict(customer_get(customer_id=customer_id)))

    def _update(self, customer_id: str):
        data = self.validated(CustomerUpdateInput, partial=True)
        customer = customer_update(customer=customer_get(customer_id=customer_id), actor=self.actor, data=data)
        return self.present_customer(customer.id)

    @api_operation(
        operation_id="replaceCustomer",
        summary="Update a customer",
        description="Any writable field; none is required.",
        request=CustomerUpdateInput,
        response=CustomerOut,
        errors=("customer_already_exists", "customer_archived"),
    )
    def put(self, request, customer_id):
        return self._update(customer_id)

    @api_operation(
        operation_id="updateCustomer",
        summary="Partially update a customer",
        description="Only the fields sent change. `status: archived` archives, `status: active` restores.",
        request=CustomerUpdateInput,
        response=CustomerOut,
        errors=("customer_already_exists", "customer_archived"),
    )
    def patch(self, request, customer_id):
        return self._update(customer_id)

    @api_operation(
        operation_id="archiveCustomer",
        summary="Archive a customer",
        description="Soft delete: the customer is archived and returned.",
        response=CustomerOut,
    )
    def delete(self, request, customer_id):
        customer = customer_archive(customer=customer_get(customer_id=customer_id), actor=self.actor)
        return self.present_customer(customer.id)


class CustomerRestoreView(CustomersApiView):
    @api_operation(
        operation_id="restoreCustomer",
        summary="Restore an archived customer",
        response=CustomerOut,
        errors=("customer_already_exists",),
    )
    def post(self, request, customer_id):
        customer = customer_restore(customer=customer_get(customer_id=customer_id), actor=self.actor)
        return self.present_customer(customer.id)


class CustomerEnrollView(CustomersApiView):
    @api_operation(
        operation_id="enrollCustomer",
        summary="Enroll a customer in net terms (deprecated)",
        description="Kept for compatibility with integrations written before July 2023: changes nothing and "
        "returns the customer. Enrollment happens through the customer's `net_terms_enrollment_url`.",
        response=CustomerOut,
        deprecated=True,
    )
    def post(self, request, customer_id):
        return self.present_customer(customer_id, headers={"Deprecation": ENROLL_DEPRECATION})


# --- customer users -------------------------------------------------------------------------------------------------


class CustomerUserListView(CustomersApiView):
    openapi_tags = ["Customer users"]

    @api_operation(
        operation_id="listCustomerUsers",
        summary="List a customer's users",
        response=CustomerUserOut,
        paginated=True,
        filterset=CustomerUserFilterSet,
        ordering=CHILD_ORDERING,
    )
    def get(self, request, customer_id):
        users = customer_user_list(customer=customer_get(customer_id=customer_id), filters=request.query_params)
        return self.respond_page(users, present=customer_user_to_dict, ordering_fields=CHILD_ORDERING)

    @api_operation(
        operation_id="createCustomerUser",
        summary="Add a user to a customer",
        request=CustomerUserInput,
        response=CustomerUserOut,
        status=201,
        errors=("conflict", "customer_archived"),
    )
    def post(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        user = customer_user_create(customer=customer, actor=self.actor, **self.validated(CustomerUserInput))
        return self.respond(customer_user_to_dict(user), status=201)


class CustomerUserDetailView(CustomersApiView):
    openapi_tags = ["Customer users"]

    def _user(self, customer_id: str, user_id: str):
        return customer_user_get(customer=customer_get(customer_id=customer_id), user_id=user_id)

    @api_operation(operation_id="getCustomerUser", summary="Get a customer user", response=CustomerUserOut)
    def get(self, request, customer_id, user_id):
        return self.respond(customer_user_to_dict(self._user(customer_id, user_id)))

    @api_operation(
        operation_id="updateCustomerUser",
        summary="Update a customer user",
        request=CustomerUserUpdateInput,
        response=CustomerUserOut,
        errors=("conflict", "customer_archived"),
    )
    def patch(self, request, customer_id, user_id):
        data = self.validated(CustomerUserUpdateInput, partial=True)
        user = customer_user_update(user=self._user(customer_id, user_id), actor=self.actor, data=data)
        return self.respond(customer_user_to_dict(user))

    @api_operation(
        operation_id="archiveCustomerUser",
        summary="Archive a customer user",
        description="Soft delete: the user is archived and returned.",
        response=CustomerUserOut,
        errors=("customer_archived",),
    )
    def delete(self, request, customer_id, user_id):
        user = customer_user_archive(user=self._user(customer_id, user_id), actor=self.actor)
        return self.respond(customer_user_to_dict(user))


# --- payment methods ------------------------------------------------------------------------------------------------


class PaymentMethodListView(CustomersApiView):
    openapi_tags = ["Payment methods"]

    @api_operation(
        operation_id="listPaymentMethods",
        summary="List a customer's payment methods",
        response=PaymentMethodOut,
        paginated=True,
        filterset=PaymentMethodFilterSet,
        ordering=CHILD_ORDERING,
    )
    def get(self, request, customer_id):
        methods = payment_method_list(customer=customer_get(customer_id=customer_id), filters=request.query_params)
        return self.respond_page(methods, present=payment_method_to_dict, ordering_fields=CHILD_ORDERING)

    @api_operation(
        operation_id="addPaymentMethod",
        summary="Add a tokenised card or bank account",
        description="Send the payment provider's token and display fields only: a body containing anything that "
        "looks like a full card number is refused.",
        request=PaymentMethodInput,
        response=PaymentMethodOut,
        status=201,
        errors=("customer_archived",),
    )
    def post(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        serializer_class = PAYMENT_METHOD_INPUTS.get(request.data.get("type"))
        if serializer_class is None:
            raise ValidationError({"type": f"Must be one of: {', '.join(PAYMENT_METHOD_INPUTS)}."})
        data = self.validated(serializer_class)
        try:
            method = payment_method_add(
                customer=customer,
                actor=self.actor,
                make_default=data.get("is_default", False),
                **serializer_class.service_fields(data),
            )
        except ValidationError as error:
            raise serializer_class.errors_on_the_wire(error) from None
        return self.respond(payment_method_to_dict(method), status=201)


def _payment_method(customer_id: str, payment_method_id: str):
    return payment_method_get(customer=customer_get(customer_id=customer_id), payment_method_id=payment_method_id)


class PaymentMethodDetailView(CustomersApiView):
    openapi_tags = ["Payment methods"]

    @api_operation(operation_id="getPaymentMethod", summary="Get a payment method", response=PaymentMethodOut)
    def get(self, request, customer_id, payment_method_id):
        return self.respond(payment_method_to_dict(_payment_method(customer_id, payment_method_id)))

    @api_operation(
        operation_id="deletePaymentMethod",
        summary="Delete a payment method",
        description="Returns the deleted payment method as it was. Deleting one that is already deleted (a retry, "
        "or a race lost to another delete) is 404 `not_found`: exactly one delete succeeds.",
        response=PaymentMethodOut,
        errors=("customer_archived",),
    )
    def delete(self, request, customer_id, payment_method_id):
        method = payment_method_delete(method=_payment_method(customer_id, payment_method_id), actor=self.actor)
        return self.respond(payment_method_to_dict(method))


class PaymentMethodDefaultView(CustomersApiView):
    openapi_tags = ["Payment methods"]

    @api_operation(
        operation_id="setDefaultPaymentMethod",
        summary="Make a payment method the customer's default",
        response=PaymentMethodOut,
        errors=("customer_archived",),
    )
    def patch(self, request, customer_id, payment_method_id):
        method = payment_method_set_default(method=_payment_method(customer_id, payment_method_id), actor=self.actor)
        return self.respond(payment_method_to_dict(method))
