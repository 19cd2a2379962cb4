"""The Django admin, per role: every registered model and every one of its actions, found by walking the admin site,
so a model or action registered later is covered at once. Staff roles are groups without model permissions: their
members (is_staff) may sign in to the admin but neither see nor change anything there."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from core.actors import Actor
from core.email.services import email_queue
from core.services import api_key_create, oauth_client_create
from core.webhooks.dispatcher import event_dispatch
from credit.services import credit_transaction_repay
from customers.imports import customer_import_create
from customers.models import Customer
from customers.services import customer_archive
from portal.services import portal_link_create, portal_link_redeem
from tests.api.conftest import Api
from tests.api.test_oauth import token_request
from tests.credit.builders import API, accept_terms, approved_customer, completed_transaction
from tests.factories import PaymentMethodFactory, WebhookEndpointFactory
from tests.reading import reloaded
from tests.staff.builders import ROLES, staff_user

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


# django-oauth-toolkit's models for grant types this application does not offer (only client credentials).
UNUSED_MODELS = {"oauth2_provider.Grant", "oauth2_provider.IDToken", "oauth2_provider.RefreshToken"}


@pytest.fixture
def samples():
    """At least one row of every registered model the application creates, made the way the application makes it."""
    WebhookEndpointFactory()
    customer = accept_terms(approved_customer(via_check=True))
    PaymentMethodFactory(customer=customer)
    purchase = completed_transaction(customer, 500)
    credit_transaction_repay(credit_transaction=purchase, actor=API, amount=100)
    for event_id in customer.events.values_list("id", flat=True):
        event_dispatch(event_id=event_id)
    customer_import_create(file_name="a.csv", content=b"email\na@b.com\n", enqueue=False)
    _, raw_key = api_key_create(name="sample", scopes=["customers:read", "customers:write"])
    Api(raw_key).post("customers", {"email": "idem@x.example"}, headers={"Idempotency-Key": "sample"})
    application, secret = oauth_client_create(name="sample", scopes=["customers:read"])
    token = token_request(application.client_id, secret)
    assert token.status_code == 200
    email_queue(key="sample", to="ap@acme.example", template="test_message", context={}, actor=API)
    _, portal_token = portal_link_create(customer=customer, source="api", actor=API)
    portal_link_redeem(token=portal_token)
    staff_user("viewer")


def database_state() -> dict:
    """Every row of every table (admin-registered or not): a refused request must leave all of it as it was."""
    state = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table == "django_session":  # sign-ins write sessions; that is not a change made through the admin
                continue
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            state[table] = [tuple(map(str, row)) for row in cursor.fetchall()]
    return state


def admin_urls(model) -> dict[str, str]:
    info = model._meta.app_label, model._meta.model_name
    urls = {
        "changelist": reverse("admin:{}_{}_changelist".format(*info)),
        "add": reverse("admin:{}_{}_add".format(*info)),
    }
    instance = model._default_manager.order_by("pk").first()
    if instance is not None:
        urls["change"] = reverse("admin:{}_{}_change".format(*info), args=[instance.pk])
        urls["delete"] = reverse("admin:{}_{}_delete".format(*info), args=[instance.pk])
        urls["history"] = reverse("admin:{}_{}_history".format(*info), args=[instance.pk])
    return urls


def action_names(model_admin) -> list[str]:
    site_wide = [name for name, _ in admin.site.actions]  # delete_selected
    return site_wide + [getattr(action, "__name__", str(action)) for action in model_admin.actions or ()]


def test_the_walk_covers_the_models_and_actions_that_matter(samples):
    labels = {model._meta.label for model, _ in MODEL_ADMINS}
    assert {"customers.Customer", "credit.CreditLedgerEntry", "core.ApiKey", "auth.User"} <= labels
    actions = {name for _, model_admin in MODEL_ADMINS for name in action_names(model_admin)}
    assert {"archive_customers", "restore_customers", "revoke_api_keys"} <= actions
    missing = [
        model._meta.label
        for model, _ in MODEL_ADMINS
        if "change" not in admin_urls(model) and model._meta.label not in UNUSED_MODELS
    ]
    assert missing == [], f"add a sample row for {missing}"


@pytest.mark.parametrize("role", [*ROLES, None], ids=lambda role: role or "no_role")
def test_staff_roles_can_neither_see_nor_change_anything_in_the_admin(role, client_as, samples):
    client = client_as(role)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200 and index.context["app_list"] == []
    before = database_state()
    wrong = []
    for model, model_admin in MODEL_ADMINS:
        urls = admin_urls(model)
        for name, url in urls.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"post": "yes", "name": "changed"} if method == "post" else {})
                if response.status_code != 403:
                    wrong.append(f"{method.upper()} {model._meta.label} {name}: {response.status_code}")
        selected = list(model._default_manager.values_list("pk", flat=True)[:1])
        for action in action_names(model_admin):
            response = client.post(urls["changelist"], {"action": action, "_selected_action": selected, "post": "yes"})
            if response.status_code != 403:
                wrong.append(f"action {model._meta.label} {action}: {response.status_code}")
    assert wrong == []
    assert database_state() == before


def viewer_of(*codenames: str):
    user = staff_user(None)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize(
    ("model", "codename", "action"),
    [
        ("customers.Customer", "view_customer", "archive_customers"),
        ("customers.Customer", "view_customer", "restore_customers"),
        ("core.ApiKey", "view_apikey", "revoke_api_keys"),
    ],
)
def test_an_admin_action_needs_the_change_permission_not_just_view(client, samples, model, codename, action):
    client.force_login(viewer_of(codename))
    model_class = apps.get_model(model)
    changelist = reverse(f"admin:{model_class._meta.app_label}_{model_class._meta.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    instance = model_class._default_manager.order_by("pk").first()
    if action == "restore_customers":  # something for it to restore
        customer_archive(customer=instance, actor=Actor.system("tests"))
    before = database_state()
    client.post(changelist, {"action": action, "_selected_action": [instance.pk]})
    assert database_state() == before


def test_the_change_permission_does_let_the_archive_action_run(client, samples):
    client.force_login(viewer_of("view_customer", "change_customer"))
    customer = Customer.objects.order_by("pk").first()
    changelist = reverse("admin:customers_customer_changelist")
    client.post(changelist, {"action": "archive_customers", "_selected_action": [customer.pk]})
    customer = reloaded(customer)
    assert customer.status == "archived"
