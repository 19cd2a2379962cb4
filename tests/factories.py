import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core.models import Event, EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from customers.models import Customer, CustomerUser, PaymentMethod


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"ap{n}@business{n}.com")
    name = factory.Sequence(lambda n: f"Business {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} LLC")
    ein = factory.Sequence(lambda n: f"12-{n % 10_000_000:07d}")
    street_address = "1 Market St"
    city = "San Francisco"
    state = "CA"
    postal_code = "94105"
    country = "US"


class CustomerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerUser

    customer = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod

    customer = factory.SubFactory(CustomerFactory)
    type = "card"
    provider = "stripe"
    provider_token = factory.Sequence(lambda n: f"tok_{n}")
    last4 = "4242"
    card_brand = "visa"
    exp_month = 12
    exp_year = 2030


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@staff.example")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests flush the groups the migration made.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """An endpoint saved directly (no URL check): tests point it at their loopback receiver."""

    class Meta:
        model = WebhookEndpoint

    url = "https://hooks.example.com/creditdesk"
    event_types = factory.LazyFunction(lambda: list(EventType.values))
    enabled = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from core.webhooks.subscriptions import subscriptions_changed

        endpoint = super()._create(model_class, *args, **kwargs)
        subscriptions_changed()  # as the services do, so the dispatcher's snapshot sees it
        return endpoint


class EventFactory(factory.django.DjangoModelFactory):
    """An event already dispatched, so the dispatcher makes no deliveries of its own for it after commit."""

    class Meta:
        model = Event

    event_type = EventType.CUSTOMER_UPDATED
    customer = factory.SubFactory(CustomerFactory)
    data = factory.LazyAttribute(lambda o: {"id": o.customer.id if o.customer else None})
    actor_type = "system"
    actor_label = "tests"
    dispatched_at = factory.LazyFunction(timezone.now)


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = factory.SubFactory(EventFactory)


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    """An attempt row only: the delivery's counters are the caller's to set."""

    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    response_status = 200
    duration_ms = 12
